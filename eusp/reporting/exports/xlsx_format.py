"""XLSX (Office Open XML, ECMA-376): the minimal package XlsxWriter writes, one sheet with a
frozen bold header, written row by row as XML into a ``zipfile`` (why by hand: ``writers``).
Text cells are inline strings: no shared-string table to hold in memory."""

import math
import zipfile
from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal
from xml.sax.saxutils import quoteattr

from django.utils.translation import gettext as _

from .cells import xml_text
from .common import MAX_SHEET_ROWS, ROWS_PER_WRITE, WriteResult, local_naive, zip_entry

XLSX_MAX_TEXT = 32_767  # characters in a cell

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


def _column_letters(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


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
        serial = (local_naive(value) - XLSX_EPOCH) / XLSX_DAY
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
    file,
    headers: Sequence[str],
    rows: Iterable[Sequence],
    *,
    widths: Sequence[int],
    sheet: str,
    large: bool = False,
    max_rows: int = MAX_SHEET_ROWS,
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
        with package.open(zip_entry("xl/worksheets/sheet1.xml"), "w", force_zip64=large) as part:
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
                if number > max_rows:
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
