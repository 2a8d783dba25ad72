"""CSV as French spreadsheets open it without an import dialog: UTF-8 with a byte order
mark, « ; » between cells, decimal commas, dates as « jj/mm/aaaa ». Streamed: a thousand
rows per chunk."""

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _

from .cells import neutralise
from .common import ROWS_PER_WRITE, WriteResult


def _csv_datetime(value: datetime) -> str:
    if timezone.is_aware(value):
        value = timezone.localtime(value)
    return value.strftime("%d/%m/%Y %H:%M")


def _csv_number(value) -> str:
    # French spreadsheets read a decimal comma (the separator is « ; » for that reason).
    return str(value).replace(".", ",")


def _csv_cell(value) -> str:
    kind = type(value)
    if kind is str:
        return neutralise(value)
    if value is None:
        return ""
    if kind is int:
        return str(value)
    if kind is date:
        return value.strftime("%d/%m/%Y")
    if kind is datetime:
        return _csv_datetime(value)
    if kind is bool:
        return _("Oui") if value else _("Non")
    if kind is float or kind is Decimal:
        return _csv_number(value)
    return neutralise(str(value))


def csv_chunks(headers: Sequence[str], rows: Iterable[Sequence]) -> Iterator[bytes]:
    """The file as chunks of bytes, a thousand rows each."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    buffer.write("\ufeff")
    writer.writerow([neutralise(str(header)) for header in headers])
    for count, row in enumerate(rows, start=1):
        writer.writerow([_csv_cell(value) for value in row])
        if count % ROWS_PER_WRITE == 0:
            yield buffer.getvalue().encode()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode()


def write_csv(file, headers: Sequence[str], rows: Iterable[Sequence]) -> WriteResult:
    counted = _Counted(rows)
    for chunk in csv_chunks(headers, counted):
        file.write(chunk)
    return WriteResult(rows=counted.count, truncated=False)


class _Counted:
    def __init__(self, rows: Iterable[Sequence]):
        self.rows = rows
        self.count = 0

    def __iter__(self):
        for row in self.rows:
            self.count += 1
            yield row
