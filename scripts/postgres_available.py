"""Exit 0 when the PostgreSQL server named by DATABASE_URL answers (used by `make test`)."""

import os
import sys

import psycopg

url = os.environ.get("DATABASE_URL", "")
if not url.startswith(("postgres://", "postgresql://")):
    sys.exit(1)
# Connect to the maintenance database: the test run creates its own.
base, _, _name = url.rpartition("/")
try:
    psycopg.connect(f"{base}/postgres", connect_timeout=3).close()
except psycopg.Error as exc:
    print(f"PostgreSQL injoignable ({exc.__class__.__name__}).", file=sys.stderr)
    sys.exit(1)
