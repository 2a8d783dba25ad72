"""CSV, XLSX and ODS writers for any table: headers, then rows of str, int, float, Decimal,
date, datetime, bool or None. Callers: the request exports and the statistics tables.

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

import csv
import io
import math
import re
import tempfile
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from xml.sax.saxutils import escape, quoteattr

from django.http import FileResponse, HttpResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _

from .cells import neutralise, xml_text

FORMATS = ("csv", "xlsx", "ods")
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "ods": "application/vnd.oasis.opendocument.spreadsheet",
}
# A sheet's limit in Excel and LibreOffice, header row included; CSV has none.
MAX_SHEET_ROWS = 1_048_576
XLSX_MAX_TEXT = 32_767
DEFAULT_WIDTH = 14
ROWS_PER_WRITE = 1000
# Beyond this many rows a sheet's XML may pass 2 GiB (ODS measured 2.6 KB a row of the
# request export, XLSX 1.4 KB) and must be written with ZIP64.
LARGE_ROWS = 250_000


@dataclass(frozen=True)
class WriteResult:
    rows: int  # data rows written, header excluded
    truncated: bool  # the rows went beyond a sheet's limit; the rest was left out


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
        counted = _Counted(rows)
        for chunk in csv_chunks(headers, counted):
            file.write(chunk)
        return WriteResult(rows=counted.count, truncated=False)
    widths = list(widths) if widths else [max(DEFAULT_WIDTH, len(str(h)) + 2) for h in headers]
    sheet = _sheet_name(title)
    if fmt == "xlsx":
        return write_xlsx(file, headers, rows, widths=widths, sheet=sheet, large=large)
    if fmt == "ods":
        return write_ods(file, headers, rows, widths=widths, sheet=sheet, large=large)
    raise ValueError(f"Unknown export format: {fmt}")


# --- CSV ----------------------------------------------------------------------------------


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
    """UTF-8 with a byte order mark and « ; » between cells, as French Excel and
    LibreOffice open a CSV without an import dialog; a thousand rows per chunk."""
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


class _Counted:
    def __init__(self, rows: Iterable[Sequence]):
        self.rows = rows
        self.count = 0

    def __iter__(self):
        for row in self.rows:
            self.count += 1
            yield row


def _sheet_name(title: str) -> str:
    # Excel refuses these characters and more than 31 of them.
    name = "".join(c for c in str(title or "") if c not in "[]:*?/\\")[:31].strip()
    return name or _("Export")


def _zip_entry(name: str) -> zipfile.ZipInfo:
    # Streamed parts carry the time they are written, as the others do.
    entry = zipfile.ZipInfo(name, date_time=timezone.localtime().timetuple()[:6])
    entry.compress_type = zipfile.ZIP_DEFLATED
    return entry


def _column_letters(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def _local_naive(value: datetime) -> datetime:
    return timezone.make_naive(value) if timezone.is_aware(value) else value


# --- XLSX (Office Open XML, ECMA-376) ---------------------------------------------------------

# Day 0 of Excel's serial dates (1900 system); cells hold local wall-clock time, naive.
XLSX_EPOCH = datetime(1899, 12, 30)  # noqa: DTZ001
XLSX_EPOCH_DATE = XLSX_EPOCH.date()
XLSX_DAY = timedelta(days=1)
# Cell formats (cellXfs) of styles.xml, by position.
XLSX_HEADER, XLSX_DATE, XLSX_DATETIME = 1, 2, 3

XLSX_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/styles.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
    "</Types>"
)
XLSX_ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    'Target="xl/workbook.xml"/>'
    "</Relationships>"
)
XLSX_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
    'Target="worksheets/sheet1.xml"/>'
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" '
    'Target="styles.xml"/>'
    "</Relationships>"
)
XLSX_WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    "<bookViews><workbookView/></bookViews>"
    '<sheets><sheet name={name} sheetId="1" r:id="rId1"/></sheets>'
    "</workbook>"
)
XLSX_STYLES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    '<numFmts count="2"><numFmt numFmtId="164" formatCode="dd/mm/yyyy"/>'
    '<numFmt numFmtId="165" formatCode="dd/mm/yyyy hh:mm"/></numFmts>'
    '<fonts count="2"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>'
    '<fills count="3"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill>'
    '<fill><patternFill patternType="solid"><fgColor rgb="FFE7E7E7"/><bgColor indexed="64"/></patternFill></fill>'
    "</fills>"
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="4"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    # The header: bold on grey, wrapped (a long title takes two lines, not a wide column).
    '<xf numFmtId="0" fontId="1" fillId="2" borderId="0" xfId="0" applyFont="1" applyFill="1" applyAlignment="1">'
    '<alignment vertical="top" wrapText="1"/></xf>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)
XLSX_SHEET_START = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    # The header row stays in view while the rows scroll.
    '<sheetViews><sheetView tabSelected="1" workbookViewId="0">'
    '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
    '<selection pane="bottomLeft" activeCell="A2" sqref="A2"/></sheetView></sheetViews>'
    '<sheetFormatPr defaultRowHeight="15"/>'
)


def _xlsx_text(ref: str, value: str, style: str = "") -> str:
    text = xml_text(value[: XLSX_MAX_TEXT - 1])  # room for the neutralising quote
    space = ' xml:space="preserve"' if text[:1] in " \n" or text[-1:] in " \n\t" else ""
    return f'<c r="{ref}"{style} t="inlineStr"><is><t{space}>{text}</t></is></c>'


def _xlsx_cell(ref: str, value, yes_no: tuple[str, str]) -> str:
    kind = type(value)
    if kind is int or kind is Decimal or (kind is float and math.isfinite(value)):
        return f'<c r="{ref}"><v>{value}</v></c>'
    if kind is date:
        return f'<c r="{ref}" s="{XLSX_DATE}"><v>{(value - XLSX_EPOCH_DATE).days}</v></c>'
    if kind is datetime:
        serial = (_local_naive(value) - XLSX_EPOCH) / XLSX_DAY
        return f'<c r="{ref}" s="{XLSX_DATETIME}"><v>{serial!r}</v></c>'
    if kind is bool:
        return _xlsx_text(ref, yes_no[value])
    if kind is float:
        return ""  # NaN or infinity: no value a spreadsheet can hold
    return _xlsx_text(ref, str(value))


def _xlsx_row(line: str, letters: list[str], row: Sequence, yes_no: tuple[str, str]) -> str:
    # Text first and inline: most cells are text, and this runs for millions of them.
    cells = []
    for letter, value in zip(letters, row, strict=False):
        if type(value) is str:
            if value:
                cells.append(_xlsx_text(letter + line, value))
        elif value is not None:
            cells.append(_xlsx_cell(letter + line, value, yes_no))
    return f'<row r="{line}">{"".join(cells)}</row>'


def write_xlsx(
    file, headers: Sequence[str], rows: Iterable[Sequence], *, widths: Sequence[int], sheet: str, large: bool = False
) -> WriteResult:
    letters = [_column_letters(i) for i in range(len(headers))]
    yes_no = (_("Non"), _("Oui"))  # indexed by the boolean
    written, truncated = 0, False
    with zipfile.ZipFile(file, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr("[Content_Types].xml", XLSX_CONTENT_TYPES)
        package.writestr("_rels/.rels", XLSX_ROOT_RELS)
        package.writestr("xl/workbook.xml", XLSX_WORKBOOK.format(name=quoteattr(sheet)))
        package.writestr("xl/_rels/workbook.xml.rels", XLSX_WORKBOOK_RELS)
        package.writestr("xl/styles.xml", XLSX_STYLES)
        with package.open(_zip_entry("xl/worksheets/sheet1.xml"), "w", force_zip64=large) as part:
            cols = "".join(
                f'<col min="{i}" max="{i}" width="{width}" customWidth="1"/>' for i, width in enumerate(widths, 1)
            )
            header = "".join(
                _xlsx_text(f"{letter}1", str(title), f' s="{XLSX_HEADER}"')
                for letter, title in zip(letters, headers, strict=True)
            )
            part.write(f'{XLSX_SHEET_START}<cols>{cols}</cols><sheetData><row r="1">{header}</row>'.encode())
            chunk = []
            for number, row in enumerate(rows, start=2):
                if number > MAX_SHEET_ROWS:
                    truncated = True
                    break
                chunk.append(_xlsx_row(str(number), letters, row, yes_no))
                written += 1
                if len(chunk) == ROWS_PER_WRITE:
                    part.write("".join(chunk).encode())
                    chunk.clear()
            part.write("".join(chunk).encode())
            part.write(
                b'</sheetData><pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" '
                b'header="0.3" footer="0.3"/></worksheet>'
            )
    return WriteResult(rows=written, truncated=truncated)


# --- ODS (OpenDocument 1.2) -------------------------------------------------------------------

ODS_MIMETYPE = "application/vnd.oasis.opendocument.spreadsheet"
ODS_NAMESPACES = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:fo="urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0" '
    'xmlns:number="urn:oasis:names:tc:opendocument:xmlns:datastyle:1.0" '
    'xmlns:config="urn:oasis:names:tc:opendocument:xmlns:config:1.0"'
)
ODS_MANIFEST = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
    f'<manifest:file-entry manifest:full-path="/" manifest:version="1.2" manifest:media-type="{ODS_MIMETYPE}"/>'
    '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
    '<manifest:file-entry manifest:full-path="styles.xml" manifest:media-type="text/xml"/>'
    '<manifest:file-entry manifest:full-path="settings.xml" manifest:media-type="text/xml"/>'
    "</manifest:manifest>"
)
ODS_STYLES = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    f'<office:document-styles {ODS_NAMESPACES} office:version="1.2"><office:styles>'
    '<style:default-style style:family="table-cell"><style:text-properties fo:font-size="10pt"/></style:default-style>'
    "</office:styles></office:document-styles>"
)
# The first row frozen, as LibreOffice itself records « Fixer la première ligne ».
ODS_SETTINGS = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    f'<office:document-settings {ODS_NAMESPACES} office:version="1.2"><office:settings>'
    '<config:config-item-set config:name="ooo:view-settings">'
    '<config:config-item-map-indexed config:name="Views"><config:config-item-map-entry>'
    '<config:config-item config:name="ViewId" config:type="string">view1</config:config-item>'
    '<config:config-item-map-named config:name="Tables"><config:config-item-map-entry config:name={name}>'
    '<config:config-item config:name="HorizontalSplitMode" config:type="short">0</config:config-item>'
    '<config:config-item config:name="VerticalSplitMode" config:type="short">2</config:config-item>'
    '<config:config-item config:name="HorizontalSplitPosition" config:type="int">0</config:config-item>'
    '<config:config-item config:name="VerticalSplitPosition" config:type="int">1</config:config-item>'
    '<config:config-item config:name="ActiveSplitRange" config:type="short">2</config:config-item>'
    '<config:config-item config:name="PositionLeft" config:type="int">0</config:config-item>'
    '<config:config-item config:name="PositionRight" config:type="int">0</config:config-item>'
    '<config:config-item config:name="PositionTop" config:type="int">0</config:config-item>'
    '<config:config-item config:name="PositionBottom" config:type="int">1</config:config-item>'
    "</config:config-item-map-entry></config:config-item-map-named>"
    '<config:config-item config:name="ActiveTable" config:type="string">{table}</config:config-item>'
    "</config:config-item-map-entry></config:config-item-map-indexed>"
    "</config:config-item-set></office:settings></office:document-settings>"
)
ODS_DATA_STYLES = (
    '<number:date-style style:name="N1"><number:day number:style="long"/><number:text>/</number:text>'
    '<number:month number:style="long"/><number:text>/</number:text><number:year number:style="long"/>'
    "</number:date-style>"
    '<number:date-style style:name="N2"><number:day number:style="long"/><number:text>/</number:text>'
    '<number:month number:style="long"/><number:text>/</number:text><number:year number:style="long"/>'
    '<number:text> </number:text><number:hours number:style="long"/><number:text>:</number:text>'
    '<number:minutes number:style="long"/></number:date-style>'
    '<style:style style:name="ce1" style:family="table-cell">'
    '<style:table-cell-properties fo:background-color="#e7e7e7" fo:wrap-option="wrap" style:vertical-align="top"/>'
    '<style:text-properties fo:font-weight="bold"/></style:style>'
    '<style:style style:name="ce2" style:family="table-cell" style:data-style-name="N1"/>'
    '<style:style style:name="ce3" style:family="table-cell" style:data-style-name="N2"/>'
)
ODS_EMPTY = "<table:table-cell/>"
ODS_SPACES = re.compile(r"^ +| {2,}| +$")
ODS_WHITESPACE = re.compile(r"[\n\t]|  |^ | $")


def _ods_spaces(match: re.Match) -> str:
    run = len(match.group())
    if match.start() == 0 or match.end() == len(match.string):
        return f'<text:s text:c="{run}"/>'
    return f' <text:s text:c="{run - 1}"/>'


def _ods_paragraphs(text: str) -> str:
    """Text as ODF paragraphs: white space in a ``text:p`` collapses, so line breaks are
    paragraphs and runs of spaces (or one at an end) ``text:s``. A tab is a space: Calc
    reads a ``text:tab`` in a cell as nothing at all."""
    paragraphs = []
    for line in text.replace("\t", " ").split("\n"):
        if "  " in line or line[:1] == " " or line[-1:] == " ":
            line = ODS_SPACES.sub(_ods_spaces, line)
        paragraphs.append(f"<text:p>{line}</text:p>")
    return "".join(paragraphs)


def _ods_text(value: str, style: str = "") -> str:
    text = xml_text(value)
    body = f"<text:p>{text}</text:p>" if ODS_WHITESPACE.search(text) is None else _ods_paragraphs(text)
    return f'<table:table-cell{style} office:value-type="string">{body}</table:table-cell>'


def _ods_cell(value, yes_no: tuple[str, str]) -> str:
    kind = type(value)
    if kind is str:
        return _ods_text(value) if value else ODS_EMPTY
    if value is None:
        return ODS_EMPTY
    if kind is int or kind is Decimal or (kind is float and math.isfinite(value)):
        return (
            f'<table:table-cell office:value-type="float" office:value="{value}">'
            f"<text:p>{value}</text:p></table:table-cell>"
        )
    if kind is date:
        return (
            f'<table:table-cell table:style-name="ce2" office:value-type="date" '
            f'office:date-value="{value.isoformat()}">'
            f"<text:p>{value:%d/%m/%Y}</text:p></table:table-cell>"
        )
    if kind is datetime:
        value = _local_naive(value).replace(microsecond=0)
        return (
            f'<table:table-cell table:style-name="ce3" office:value-type="date" '
            f'office:date-value="{value.isoformat()}">'
            f"<text:p>{value:%d/%m/%Y %H:%M}</text:p></table:table-cell>"
        )
    if kind is bool:
        return _ods_text(yes_no[value])
    if kind is float:
        return ODS_EMPTY
    return _ods_text(str(value))


def _ods_width(characters: int) -> str:
    # About 0.2 cm per character of the default 10 pt font, plus the cell's margins.
    return f"{characters * 0.2 + 0.2:.2f}cm"


def write_ods(
    file, headers: Sequence[str], rows: Iterable[Sequence], *, widths: Sequence[int], sheet: str, large: bool = False
) -> WriteResult:
    yes_no = (_("Non"), _("Oui"))  # indexed by the boolean
    written, truncated = 0, False
    distinct = sorted(set(widths))
    column_style = {width: f"co{i}" for i, width in enumerate(distinct, 1)}
    with zipfile.ZipFile(file, "w", zipfile.ZIP_DEFLATED) as package:
        # The mimetype first and uncompressed, so that a reader knows the file by its start.
        package.writestr(zipfile.ZipInfo("mimetype"), ODS_MIMETYPE, compress_type=zipfile.ZIP_STORED)
        package.writestr("META-INF/manifest.xml", ODS_MANIFEST)
        package.writestr("styles.xml", ODS_STYLES)
        package.writestr("settings.xml", ODS_SETTINGS.format(name=quoteattr(sheet), table=escape(sheet)))
        with package.open(_zip_entry("content.xml"), "w", force_zip64=large) as part:
            column_styles = "".join(
                f'<style:style style:name="{column_style[width]}" style:family="table-column">'
                f'<style:table-column-properties style:column-width="{_ods_width(width)}"/></style:style>'
                for width in distinct
            )
            columns = "".join(f'<table:table-column table:style-name="{column_style[width]}"/>' for width in widths)
            header = "".join(_ods_text(str(title), ' table:style-name="ce1"') for title in headers)
            part.write(
                (
                    f'<?xml version="1.0" encoding="UTF-8"?>\n<office:document-content {ODS_NAMESPACES} '
                    f'office:version="1.2"><office:automatic-styles>{ODS_DATA_STYLES}{column_styles}'
                    f"</office:automatic-styles><office:body><office:spreadsheet>"
                    f"<table:table table:name={quoteattr(sheet)}>{columns}"
                    f"<table:table-header-rows><table:table-row>{header}</table:table-row></table:table-header-rows>"
                ).encode()
            )
            chunk = []
            for number, row in enumerate(rows, start=2):
                if number > MAX_SHEET_ROWS:
                    truncated = True
                    break
                chunk.append(
                    f"<table:table-row>{''.join([_ods_cell(value, yes_no) for value in row])}</table:table-row>"
                )
                written += 1
                if len(chunk) == ROWS_PER_WRITE:
                    part.write("".join(chunk).encode())
                    chunk.clear()
            part.write("".join(chunk).encode())
            part.write(b"</table:table></office:spreadsheet></office:body></office:document-content>")
    return WriteResult(rows=written, truncated=truncated)
