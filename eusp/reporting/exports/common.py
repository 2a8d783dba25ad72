"""What the three format writers (``csv_format``, ``xlsx_format``, ``ods_format``) share."""

import zipfile
from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone

# A sheet's limit in Excel and LibreOffice, header row included; CSV has none.
MAX_SHEET_ROWS = 1_048_576
ROWS_PER_WRITE = 1000


@dataclass(frozen=True)
class WriteResult:
    rows: int  # data rows written, header excluded
    truncated: bool  # the rows went beyond a sheet's limit; the rest was left out


def zip_entry(name: str) -> zipfile.ZipInfo:
    # Streamed parts carry the time they are written, as the others do.
    entry = zipfile.ZipInfo(name, date_time=timezone.localtime().timetuple()[:6])
    entry.compress_type = zipfile.ZIP_DEFLATED
    return entry


def local_naive(value: datetime) -> datetime:
    """Spreadsheets hold local wall-clock time, without a time zone."""
    return timezone.make_naive(value) if timezone.is_aware(value) else value
