"""ODS (OpenDocument 1.2): the minimal package LibreOffice writes, one sheet with a frozen
bold header, written row by row as XML into a ``zipfile`` (why by hand: ``writers``)."""

import math
import re
import zipfile
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal
from xml.sax.saxutils import escape, quoteattr

from django.utils.translation import gettext as _

from .cells import xml_text
from .common import MAX_SHEET_ROWS, ROWS_PER_WRITE, WriteResult, local_naive, zip_entry

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
        value = local_naive(value).replace(microsecond=0)
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
    file,
    headers: Sequence[str],
    rows: Iterable[Sequence],
    *,
    widths: Sequence[int],
    sheet: str,
    large: bool = False,
    max_rows: int = MAX_SHEET_ROWS,
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
        with package.open(zip_entry("content.xml"), "w", force_zip64=large) as part:
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
                if number > max_rows:
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
