"""The writers on their own, as the statistics tables call them: any headers and rows of
plain values, every kind of value read back with a real reader in each format."""

import datetime
import io
import zipfile
from decimal import Decimal
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from python_calamine import CalamineWorkbook

from eusp.reporting.exports import writers
from eusp.reporting.exports.cells import neutralise
from eusp.reporting.exports.writers import export_response, write_file

from .test_exports import body, read

FORMATS = ("csv", "xlsx", "ods")
PARIS = ZoneInfo("Europe/Paris")
HEADERS = ["Texte", "Entier", "Décimal", "Réel", "Date", "Date et heure", "Oui/non", "Vide"]
ROW = ("Voirie", 42, Decimal("1234.50"), 0.25, datetime.date(2026, 12, 4),
       datetime.datetime(2026, 12, 4, 8, 30, tzinfo=datetime.UTC), True, None)  # fmt: skip


@pytest.mark.parametrize("value", ["=1+1", "+33", "-x", "@SUM(A1)", "\tx", "\rx"])
def test_neutralise_prefixes_formula_triggers(value):
    assert neutralise(value) == "'" + value


@pytest.mark.parametrize("value", ["", "Voirie", "2026-00042", "1+1", "a=b", " =1", "'=1", "\n=1"])
def test_neutralise_leaves_other_text(value):
    assert neutralise(value) == value


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_kind_of_value(fmt):
    response = export_response(fmt, "tableau", HEADERS, [ROW], title="Stat")
    assert response["Content-Disposition"] == f'attachment; filename="tableau.{fmt}"'
    header, row = read(fmt, body(response))
    assert header == HEADERS
    # 08:30 UTC is 09:30 in Paris: cells hold the local time.
    decimal = "1234,50" if fmt == "csv" else "1234.5"
    assert row == ["Voirie", "42", decimal, "0,25" if fmt == "csv" else "0.25", "04/12/2026", "04/12/2026 09:30",
                   "Oui", ""]  # fmt: skip


def test_xlsx_cell_types():
    response = export_response("xlsx", "t", HEADERS, [ROW])
    sheet = openpyxl.load_workbook(io.BytesIO(body(response))).active
    cells = sheet[2]
    assert [cell.data_type for cell in cells[:6]] == ["s", "n", "n", "n", "d", "d"]
    assert cells[5].number_format == "dd/mm/yyyy hh:mm"
    assert cells[5].value == datetime.datetime(2026, 12, 4, 9, 30)
    assert sheet.title == "Export"


def test_ods_cell_types():
    response = export_response("ods", "t", HEADERS, [ROW])
    row = CalamineWorkbook.from_filelike(io.BytesIO(body(response))).get_sheet_by_index(0).to_python()[1]
    assert row[:6] == ["Voirie", 42, 1234.5, 0.25, datetime.date(2026, 12, 4), datetime.datetime(2026, 12, 4, 9, 30)]


TEXTS = ["a  b   c", " lead", "trail ", "line 1\nline 2", "<b>&amp;</b> \"'", "tab\tin", "=1+1", "−5 €"]


@pytest.mark.parametrize("fmt", ["xlsx", "ods"])
def test_text_survives_the_xml(fmt):
    response = export_response(fmt, "t", [f"c{i}" for i in range(len(TEXTS))], [TEXTS])
    _header, row = read(fmt, body(response))
    expected = [neutralise(text) for text in TEXTS]
    if fmt == "ods":
        expected[5] = "tab in"  # Calc reads a tab in a cell as nothing: it is written as a space
    assert row == expected


@pytest.mark.parametrize("fmt", FORMATS)
def test_characters_xml_forbids_are_dropped_and_line_ends_kept(fmt):
    response = export_response(fmt, "t", ["a", "b"], [("bell\x07 nul\x00 ok", "one\r\ntwo\rthree")])
    _header, row = read(fmt, body(response))
    if fmt == "csv":
        assert row == ["bell\x07 nul\x00 ok", "one\r\ntwo\rthree"]  # text as typed; CSV is no XML
    else:
        assert row == ["bell nul ok", "one\ntwo\nthree"]


@pytest.mark.parametrize("fmt", ["xlsx", "ods"])
def test_a_formula_behind_a_forbidden_character_is_neutralised_too(fmt):
    """The character XML forbids is dropped: what is left begins with « = » and must be
    neutralised like any other such cell."""
    response = export_response(fmt, "t", ["\x01=danger", "b"], [('\x02=HYPERLINK("http://x")', "\x0b-1")])
    header, row = read(fmt, body(response))
    assert header[0] == "'=danger"
    assert row == ['\'=HYPERLINK("http://x")', "'-1"]


@pytest.mark.parametrize("fmt", ["xlsx", "ods"])
def test_headers_are_neutralised_and_sheet_names_cleaned(fmt):
    response = export_response(fmt, "t", ["=danger", "ok"], [], title="Répartition [par] quartier: 2026/2027 *")
    data = body(response)
    header, *rows = read(fmt, data)
    assert header == ["'=danger", "ok"] and rows == []
    if fmt == "xlsx":
        assert openpyxl.load_workbook(io.BytesIO(data)).active.title == "Répartition par quartier 202620"
    else:
        assert (
            'table:name="Répartition par quartier 202620"'
            in zipfile.ZipFile(io.BytesIO(data)).read("content.xml").decode()
        )


@pytest.mark.parametrize("fmt", ["xlsx", "ods"])
def test_a_sheet_stops_at_the_spreadsheets_row_limit(fmt, monkeypatch):
    monkeypatch.setattr(writers, "MAX_SHEET_ROWS", 3)  # header and two rows
    file = io.BytesIO()
    result = write_file(fmt, file, ["n"], ([n] for n in range(5)))
    assert (result.rows, result.truncated) == (2, True)
    assert read(fmt, file.getvalue()) == [["n"], ["0"], ["1"]]


def test_csv_has_no_row_limit(monkeypatch):
    monkeypatch.setattr(writers, "MAX_SHEET_ROWS", 3)
    file = io.BytesIO()
    assert write_file("csv", file, ["n"], ([n] for n in range(5))).rows == 5


def test_csv_streams_by_chunks():
    chunks = list(writers.csv_chunks(["n"], ([n] for n in range(2500))))
    assert len(chunks) == 3
    assert chunks[0].startswith(b"\xef\xbb\xbfn\r\n0\r\n")


def test_unknown_format():
    with pytest.raises(ValueError, match="pdf"):
        write_file("pdf", io.BytesIO(), ["a"], [])


def _versions_needed(data: bytes) -> dict[str, int]:
    """Each part's « version needed to extract », from its local header (45: ZIP64)."""
    versions, at = {}, data.find(b"PK\x03\x04")
    while at != -1:
        name_length = int.from_bytes(data[at + 26 : at + 28], "little")
        versions[data[at + 30 : at + 30 + name_length].decode()] = int.from_bytes(data[at + 4 : at + 6], "little")
        at = data.find(b"PK\x03\x04", at + 30)
    return versions


@pytest.mark.parametrize("fmt, part", [("xlsx", "xl/worksheets/sheet1.xml"), ("ods", "content.xml")])
def test_zip64_only_when_asked(fmt, part):
    # Excel refuses a package in ZIP64 that did not need it; a part beyond 2 GiB needs it.
    for large, version in ((False, 20), (True, 45)):
        file = io.BytesIO()
        write_file(fmt, file, ["n"], [[1]], large=large)
        assert _versions_needed(file.getvalue())[part] == version
        assert read(fmt, file.getvalue()) == [["n"], ["1"]]
