"""Exports of request lists (and of any table, e.g. the statistics) to CSV, XLSX and ODS."""
