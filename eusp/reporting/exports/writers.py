"""CSV, XLSX and ODS writers for any table: headers, then rows of str, int, float, Decimal,
date, datetime, bool or None. Callers: the request exports and the statistics tables.
Each format has its module (``csv_format``, ``xlsx_format``, ``ods_format``); this one is
what callers use: ``export_response`` (a download) and ``write_file`` (a file, for the
worker).

Every format is written row by row, so memory stays flat whatever the row count: CSV is
streamed to the client as it is written; XLSX and ODS are zip packages, written to an
anonymous temporary file (the zip directory comes last) and then sent from it.

XLSX and ODS are written here as XML into a ``zipfile`` rather than through a library,
for measured reasons (bench/README.md, « Exports »; 100,000 rows of 26 columns): XlsxWriter
in ``constant_memory`` mode spends 13 s of CPU in its per-cell calls — nearly the 15 s the
whole export may take — where this module writes the same in 2.7 s; odfpy and odswriter
build the whole document in memory (4 to 5 GB, 80 to 170 s); stream-write-ods streams but has no
column widths, bold or frozen header, nor a day/month/year date format. The parts written
are the minimal packages XlsxWriter and LibreOffice write themselves; the tests read every
file back with openpyxl and python-calamine, and LibreOffice opens them.
"""

import tempfile
from collections.abc import Iterable, Sequence

from django.http import FileResponse, HttpResponse, StreamingHttpResponse
from django.utils.cache import patch_cache_control
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _

from .common import MAX_SHEET_ROWS, WriteResult
from .csv_format import csv_chunks, write_csv
from .ods_format import write_ods
from .xlsx_format import write_xlsx

__all__ = ["CONTENT_TYPES", "LARGE_ROWS", "WriteResult", "csv_chunks", "export_response", "write_file"]

CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "ods": "application/vnd.oasis.opendocument.spreadsheet",
}
DEFAULT_WIDTH = 14
# Beyond this many rows a sheet's XML may pass 2 GiB (ODS measured 2.6 KB a row of the
# request export, XLSX 1.4 KB) and must be written with ZIP64.
LARGE_ROWS = 250_000


def export_response(
    fmt: str,
    filename: str,
    headers: Sequence[str],
    rows: Iterable[Sequence],
    *,
    widths: Sequence[int] | None = None,
    title: str = "",
    large: bool = False,
) -> HttpResponse:
    """A download of ``rows`` under ``headers`` as ``filename``.``fmt``; ``widths`` are in
    characters (XLSX and ODS), ``title`` names the sheet, ``large`` as for ``write_file``."""
    if fmt == "csv":
        response = StreamingHttpResponse(csv_chunks(headers, rows), content_type=CONTENT_TYPES["csv"])
        response["Content-Disposition"] = content_disposition_header(True, f"{filename}.csv")
    else:
        file = tempfile.TemporaryFile()  # noqa: SIM115 -- closed (and so deleted) by FileResponse
        try:
            write_file(fmt, file, headers, rows, widths=widths, title=title, large=large)
        except BaseException:
            file.close()
            raise
        file.seek(0)
        response = FileResponse(file, as_attachment=True, filename=f"{filename}.{fmt}", content_type=CONTENT_TYPES[fmt])
    # Personal data: never kept by a browser's or a proxy's cache.
    patch_cache_control(response, private=True, no_store=True)
    return response


def write_file(
    fmt: str,
    file,
    headers: Sequence[str],
    rows: Iterable[Sequence],
    *,
    widths: Sequence[int] | None = None,
    title: str = "",
    large: bool = False,
) -> WriteResult:
    """Write the table to ``file`` (binary, seekable) in ``fmt``. ``large``: the rows may
    make more than 2 GiB of XML (beyond ``LARGE_ROWS``), which needs ZIP64 — and Excel
    refuses a ZIP64 package that did not need it, so it is asked for, never the default."""
    if fmt == "csv":
        return write_csv(file, headers, rows)
    widths = list(widths) if widths else [max(DEFAULT_WIDTH, len(str(h)) + 2) for h in headers]
    sheet = _sheet_name(title)
    if fmt == "xlsx":
        return write_xlsx(file, headers, rows, widths=widths, sheet=sheet, large=large, max_rows=MAX_SHEET_ROWS)
    if fmt == "ods":
        return write_ods(file, headers, rows, widths=widths, sheet=sheet, large=large, max_rows=MAX_SHEET_ROWS)
    raise ValueError(f"Unknown export format: {fmt}")


def _sheet_name(title: str) -> str:
    # Excel refuses these characters and more than 31 of them.
    name = "".join(c for c in str(title or "") if c not in "[]:*?/\\")[:31].strip()
    return name or _("Export")
