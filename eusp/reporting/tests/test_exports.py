"""/demandes/export.csv|xlsx|ods: each file read back with a real reader (csv, openpyxl,
calamine) holds what the list shows with the same parameters — every page, in order —
with neutralised text cells, French dates, a frozen bold header, and only what the
user may see: never another service's request, never requester data outside the central
service."""

import codecs
import csv
import datetime
import io
import zipfile
from urllib.parse import urlencode

import openpyxl
import pytest
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from python_calamine import CalamineWorkbook

from eusp.casework.models import Answer, AnswerChannel, Civility, Feasibility, ServiceRequest
from eusp.directory.models import Phase, Priority
from tests.factories import (
    AgentFactory,
    CategoryFactory,
    CentralFactory,
    DistrictFactory,
    ElectedFactory,
    OriginFactory,
    ServiceFactory,
    ServiceRequestFactory,
)

pytestmark = pytest.mark.django_db
FORMATS = ("csv", "xlsx", "ods")
TODAY = timezone.localdate
DAY = datetime.timedelta(days=1)
REQUESTER_HEADERS = {
    "Civilité",
    "Nom",
    "Prénom",
    "Adresse du demandeur",
    "Code postal",
    "Commune",
    "Téléphone",
    "E-mail",
}
# What the town's requesters typed: none of it may leave but in the central service's files.
PERSONAL = ("Zébulon", "Hortense", "7 impasse des Secrets", "zebulon@example.org", "0699887766", "Cachéville")


# --- Reading the files back -------------------------------------------------------------------


def body(response) -> bytes:
    return b"".join(response.streaming_content)


def read(fmt: str, data: bytes) -> list[list]:
    """The file's rows as the spreadsheet shows them: dates as « jj/mm/aaaa », numbers
    without a useless « .0 », empty cells as ""."""
    if fmt == "csv":
        assert data.startswith(codecs.BOM_UTF8)
        return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""), delimiter=";"))
    if fmt == "xlsx":
        sheet = openpyxl.load_workbook(io.BytesIO(data)).active
        rows = [[_shown(value) for value in row] for row in sheet.iter_rows(values_only=True)]
    else:
        sheet = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0)
        rows = [[_shown(value) for value in row] for row in sheet.to_python(skip_empty_area=False)]
    width = len(rows[0]) if rows else 0
    return [row + [""] * (width - len(row)) for row in rows]


def _shown(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return f"{value:%d/%m/%Y}" if value.time() == datetime.time() else f"{value:%d/%m/%Y %H:%M}"
    if isinstance(value, datetime.date):
        return f"{value:%d/%m/%Y}"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def export(client, fmt: str, **params) -> list[dict]:
    """The export's rows as dicts by header."""
    response = client.get(f"/demandes/export.{fmt}", params)
    assert response.status_code == 200, response.status_code
    header, *rows = read(fmt, body(response))
    return [dict(zip(header, row, strict=True)) for row in rows]


def references(client, fmt: str = "csv", **params) -> list[str]:
    return [row["Référence"] for row in export(client, fmt, **params)]


def listed(client, url: str = "/demandes/", **params) -> list[str]:
    """References the list page shows with these parameters (one page holds them all here)."""
    response = client.get(url, params)
    assert response.status_code == 200
    return [sr.reference for sr in response.context["page"]["rows"]]


# --- A small town --------------------------------------------------------------------------


@pytest.fixture
def town(central):
    roads, parks, waste = ServiceFactory(name="Voirie"), ServiceFactory(name="Parcs"), ServiceFactory(name="Déchets")
    north, south = DistrictFactory(name="Nord"), DistrictFactory(name="Sud")
    lamp, bin_ = CategoryFactory(name="Éclairage"), CategoryFactory(name="Propreté")
    phone, mail = OriginFactory(name="Téléphone"), OriginFactory(name="Courrier")
    urgent = Priority.objects.order_by("-position").first()
    elu = ElectedFactory(username="jm", first_name="Jeanne", last_name="Maire")
    make = ServiceRequestFactory
    rows = {
        "a": make(created_by=central, subject="A", district=north, category=lamp, origin=phone,
                  instructing_service=roads, executing_service=parks, received_on=TODAY() - 10 * DAY),
        "b": make(created_by=central, subject="B", district=south, category=bin_, origin=mail,
                  instructing_service=parks, executing_service=roads, received_on=TODAY() - 5 * DAY,
                  referent_official=elu, priority=urgent),
        "c": make(created_by=elu, subject="C", district=north, category=bin_, origin=mail,
                  instructing_service=roads, executing_service=roads, received_on=TODAY() - DAY),
        "d": make(created_by=central, subject="D", district=south, category=lamp, origin=phone,
                  instructing_service=waste, executing_service=waste, received_on=TODAY() - 3 * DAY),
    }  # fmt: skip
    ServiceRequest.objects.update(
        requester_civility=Civility.MADAME,
        requester_last_name=PERSONAL[0],
        requester_first_name=PERSONAL[1],
        requester_address=PERSONAL[2],
        requester_email=PERSONAL[3],
        requester_phone=PERSONAL[4],
        requester_city=PERSONAL[5],
        requester_postcode="45999",
    )
    return {"roads": roads, "parks": parks, "waste": waste, "north": north, "south": south, "lamp": lamp,
            "bin": bin_, "phone": phone, "urgent": urgent, "elu": elu, **rows}  # fmt: skip


def _ref(town, *keys) -> list[str]:
    return [town[key].reference for key in keys]


# --- What the file holds ---------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
@override_settings(EUSP_PAGE_SIZE=2)
def test_every_page_of_the_list_newest_first(client, central, town, fmt):
    client.force_login(central)
    assert references(client, fmt) == _ref(town, "d", "c", "b", "a")
    assert listed(client) == _ref(town, "d", "c")  # the list shows two per page, the file all


@pytest.mark.parametrize(
    "params",
    [
        lambda t: {"district": t["north"].pk},
        lambda t: {"category": t["bin"].pk, "district": t["north"].pk},
        lambda t: {"service": t["parks"].pk},
        lambda t: {"referent_official": t["elu"].pk},
        lambda t: {"priority": t["urgent"].pk},
        lambda t: {"received_from": (TODAY() - 6 * DAY).isoformat(), "instructing_service": t["roads"].pk},
        lambda t: {"phase": Phase.OPEN, "origin": t["phone"].pk},
        lambda t: {"q": "B"},
        lambda t: {"answered": "non", "sort": "received"},
    ],
)
@pytest.mark.parametrize("fmt", FORMATS)
def test_the_filters_of_the_list(client, central, town, params, fmt):
    client.force_login(central)
    query = params(town)
    assert references(client, fmt, **query) == listed(client, **query)


@pytest.mark.parametrize(
    "sort, expected",
    [
        ("reference", "abcd"),
        ("-reference", "dcba"),
        ("received", "abdc"),
        ("-received", "cdba"),
        ("due", "bacd"),
        ("created", "abcd"),
        ("pertinence", "dcba"),  # not a sort of the file: newest first
        ("'; DROP TABLE casework_servicerequest; --", "dcba"),
    ],
)
def test_the_sort_of_the_list(client, central, town, sort, expected):
    ServiceRequest.objects.filter(pk=town["b"].pk).update(due_on=TODAY())
    ServiceRequest.objects.filter(pk=town["a"].pk).update(due_on=TODAY() + DAY)
    client.force_login(central)
    assert references(client, sort=sort) == _ref(town, *expected)


def test_archives_live_or_both(client, central, town):
    ServiceRequest.objects.filter(pk=town["a"].pk).update(is_archived=True)
    client.force_login(central)
    assert references(client) == _ref(town, "d", "c", "b")
    assert references(client, archives="1") == _ref(town, "a")
    rows = export(client, "csv", archives="tout")
    assert [(row["Référence"], row["Archivée"]) for row in rows] == [
        (town["d"].reference, "Non"),
        (town["c"].reference, "Non"),
        (town["b"].reference, "Non"),
        (town["a"].reference, "Oui"),
    ]
    assert "Archivée" not in export(client, "csv")[0]


@pytest.mark.parametrize("fmt", FORMATS)
def test_the_columns_of_a_request(client, central, town, fmt):
    b = town["b"]
    ServiceRequest.objects.filter(pk=b.pk).update(
        location_address="3 place du Marché",
        feasibility=Feasibility.FEASIBLE,
        expected_delay_days=12,
        due_on=datetime.date(2026, 3, 9),
        done_on=datetime.date(2026, 3, 1),
    )
    for answered_on, channel in [
        (datetime.date(2026, 3, 2), AnswerChannel.EMAIL),
        (datetime.date(2026, 3, 5), "phone"),
    ]:
        Answer.objects.create(service_request=b, channel=channel, answered_on=answered_on, text="…", author=central)
    client.force_login(central)
    row = next(row for row in export(client, fmt) if row["Référence"] == b.reference)
    assert row == {
        "Référence": b.reference,
        "Reçue le": f"{b.received_on:%d/%m/%Y}",
        "Saisie le": f"{timezone.localdate(b.created_at):%d/%m/%Y}",
        "Origine": "Courrier",
        "Civilité": "Madame",
        "Nom": "Zébulon",
        "Prénom": "Hortense",
        "Adresse du demandeur": "7 impasse des Secrets",
        "Code postal": "45999",
        "Commune": "Cachéville",
        "Téléphone": "0699887766",
        "E-mail": "zebulon@example.org",
        "Adresse du lieu": "3 place du Marché",
        "Quartier": "Sud",
        "Catégorie": "Propreté",
        "Objet": "B",
        "Service instructeur": "Parcs",
        "Service exécution": "Voirie",
        "Élu référent": "Jeanne Maire",
        "État": b.state.label,
        "Priorité": town["urgent"].label,
        "Faisabilité": "Faisable",
        "Délai prévu (jours)": "12",
        "Échéance": "09/03/2026",
        "Réalisée le": "01/03/2026",
        "Close le": "",
        "Dernière réponse": "05/03/2026",
        "Canal de la dernière réponse": "Téléphone",
    }
    unanswered = next(row for row in export(client, fmt) if row["Référence"] == town["a"].reference)
    assert unanswered["Dernière réponse"] == unanswered["Canal de la dernière réponse"] == ""
    assert unanswered["Élu référent"] == ""


TYPED = {
    "subject": "=1+1",
    "location_address": "+33 6 12 34 56 78",
    "requester_last_name": "-x",
    "requester_first_name": "@SUM(A1:A9)",
    "requester_city": "\tTab",
    "requester_address": "\rCR",
}


@pytest.mark.parametrize("fmt", FORMATS)
def test_formula_cells_are_neutralised(client, central, town, fmt):
    # Written past the forms (which strip), as an import or the API might.
    ServiceRequest.objects.filter(pk=town["a"].pk).update(**TYPED)
    client.force_login(central)
    row = next(row for row in export(client, fmt) if row["Référence"] == town["a"].reference)
    cells = [
        row["Objet"],
        row["Adresse du lieu"],
        row["Nom"],
        row["Prénom"],
        row["Commune"],
        row["Adresse du demandeur"],
    ]
    assert all(cell.startswith("'") for cell in cells), cells
    assert cells[:4] == ["'=1+1", "'+33 6 12 34 56 78", "'-x", "'@SUM(A1:A9)"]
    assert cells[4] in ("'\tTab", "' Tab")  # ODS: a tab in a cell is written as a space
    assert cells[5].replace("\r", "").replace("\n", "") == "'CR"


def test_csv_is_utf8_with_bom_semicolons_and_french_dates(client, central, town):
    client.force_login(central)
    response = client.get("/demandes/export.csv")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == f'attachment; filename="demandes-{TODAY():%Y-%m-%d}.csv"'
    assert "no-store" in response["Cache-Control"]
    data = body(response)
    assert data.startswith(codecs.BOM_UTF8 + "Référence;Reçue le;".encode())
    assert f";{town['a'].received_on:%d/%m/%Y};".encode() in data
    assert b"\r\n" in data


def test_xlsx_header_frozen_bold_dates_and_widths(client, central, town):
    client.force_login(central)
    response = client.get("/demandes/export.xlsx")
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert response["Content-Disposition"] == f'attachment; filename="demandes-{TODAY():%Y-%m-%d}.xlsx"'
    sheet = openpyxl.load_workbook(io.BytesIO(body(response))).active
    assert sheet.title == "Demandes"
    assert sheet.freeze_panes == "A2"
    assert all(cell.font.b for cell in sheet[1])
    received = sheet["B2"]
    assert received.is_date and received.number_format == "dd/mm/yyyy"
    assert received.value.date() == town["d"].received_on
    assert sheet.column_dimensions["A"].width == 12
    assert sheet.column_dimensions["P"].width == 45  # the subject


def test_ods_header_frozen_bold_dates_and_widths(client, central, town):
    client.force_login(central)
    response = client.get("/demandes/export.ods")
    assert response["Content-Type"] == "application/vnd.oasis.opendocument.spreadsheet"
    assert response["Content-Disposition"] == f'attachment; filename="demandes-{TODAY():%Y-%m-%d}.ods"'
    data = body(response)
    rows = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0).to_python()
    assert rows[1][1] == town["d"].received_on  # a date cell, not text
    package = zipfile.ZipFile(io.BytesIO(data))
    assert package.namelist()[0] == "mimetype"
    assert package.read("mimetype") == b"application/vnd.oasis.opendocument.spreadsheet"
    content = package.read("content.xml").decode()
    # Day, month, year; a bold header in the rows repeated on each printed page.
    assert '<number:day number:style="long"/><number:text>/</number:text><number:month' in content
    assert '<style:style style:name="ce1" style:family="table-cell">' in content
    assert 'fo:font-weight="bold"' in content
    assert '<table:table-header-rows><table:table-row><table:table-cell table:style-name="ce1"' in content
    assert 'style:column-width="2.60cm"' in content  # 12 characters, the reference
    settings = package.read("settings.xml").decode()
    assert 'config:name="VerticalSplitMode" config:type="short">2<' in settings
    assert 'config:name="VerticalSplitPosition" config:type="int">1<' in settings


# --- Who gets what ---------------------------------------------------------------------------


def _raw_text(fmt: str, data: bytes) -> str:
    if fmt == "csv":
        return data.decode("utf-8-sig")
    package = zipfile.ZipFile(io.BytesIO(data))
    return "".join(package.read(name).decode() for name in package.namelist())


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(
    "who, expected, personal",
    [
        ("central", "dcba", True),
        ("elu", "cb", False),  # author of C, referent of B
        ("other_elu", "", False),
        ("roads_agent", "cba", False),  # Voirie instructs A and C, executes B
        ("waste_agent", "d", False),
        ("agent_without_service", "", False),
    ],
)
def test_profiles_get_their_requests_and_personal_data_only_when_allowed(client, town, fmt, who, expected, personal):
    users = {
        "central": lambda: CentralFactory(username="central-2"),
        "elu": lambda: town["elu"],
        "other_elu": lambda: ElectedFactory(username="autre-elu"),
        "roads_agent": lambda: AgentFactory(username="voirie", services=[town["roads"]]),
        "waste_agent": lambda: AgentFactory(username="dechets", services=[town["waste"]]),
        "agent_without_service": lambda: AgentFactory(username="sans-service"),
    }
    client.force_login(users[who]())
    response = client.get(f"/demandes/export.{fmt}")
    assert response.status_code == 200
    data = body(response)
    header, *rows = read(fmt, data)
    assert [row[0] for row in rows] == _ref(town, *expected)
    assert (set(header) >= REQUESTER_HEADERS) is personal
    if not personal:
        assert not REQUESTER_HEADERS & set(header)
        text = _raw_text(fmt, data)
        assert not [value for value in PERSONAL if value in text]


def test_an_agent_never_gets_another_services_request_whatever_the_filters(client, town):
    client.force_login(AgentFactory(username="voirie", services=[town["roads"]]))
    d = town["d"].reference
    for params in ({"service": town["waste"].pk}, {"instructing_service": town["waste"].pk}, {"q": "D"},
                   {"archives": "tout"}, {"mine": "on"}, {"q": d}):  # fmt: skip
        assert d not in references(client, **params)


def test_anonymous_is_sent_to_the_login_page(client, town):
    for fmt in FORMATS:
        response = client.get(f"/demandes/export.{fmt}")
        assert response.status_code == 302
        assert response["Location"] == f"{reverse('accounts:login')}?next=/demandes/export.{fmt}"


@pytest.mark.parametrize(
    "path", ["/demandes/export.pdf", "/demandes/export.xlsx2", "/demandes/export.", "/demandes/export"]
)
def test_unknown_formats_are_not_found(client, central, path):
    client.force_login(central)
    assert client.get(path).status_code == 404


CRAFTED = [
    {"state": "abc"},
    {"district": "999999999"},
    {"category": "-1"},
    {"service": "1; DROP TABLE x"},
    {"received_from": "2026-13-45"},
    {"received_to": "hier"},
    {"closed_from": "0000-00-00"},
    {"closed_from": "0001-01-01", "closed_to": "9999-12-31"},
    {"overdue": "peut-être"},
    {"answered": "sans doute"},
    {"phase": "nowhere"},
    {"field": "partout-ailleurs", "q": "rue"},
    {"q": "x" * 5000},
    {"q": "=cmd|' /C calc'!A0"},
    {"q": "%00%ff\\'\""},
    {"archives": "2"},
    {"sort": ["due", "reference", "???"]},
    {"mine": "1", "referent_official": "central-test"},
    {"apres": "!!!", "avant": "%%%", "fin": "1", "page": "-3"},
]


@pytest.mark.parametrize("params", CRAFTED)
@pytest.mark.parametrize("fmt", FORMATS)
def test_crafted_parameters_are_ignored_never_an_error(client, central, town, fmt, params):
    client.force_login(central)
    response = client.get(f"/demandes/export.{fmt}?{urlencode(params, doseq=True)}")
    assert response.status_code == 200
    header, *_rows = read(fmt, body(response))
    assert header[0] == "Référence"


# --- Cost --------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_queries_do_not_grow_with_rows(client, central, fmt, django_assert_max_num_queries):
    def exported_queries() -> int:
        with django_assert_max_num_queries(13) as queries:
            response = client.get(f"/demandes/export.{fmt}", {"district": district.pk, "q": "poule"})
            body(response)  # a streamed file reads its rows while it is sent
        return len(queries.captured_queries)

    district = DistrictFactory(name="Centre")
    answered = ServiceRequestFactory.create_batch(5, created_by=central, district=district, referent_official=None)
    for sr in answered:
        Answer.objects.create(service_request=sr, channel="letter", answered_on=TODAY(), text="…", author=central)
    client.force_login(central)
    exported_queries()  # once first: the word's stem is then known to this process
    few = exported_queries()
    ServiceRequestFactory.create_batch(45, created_by=central, district=district)
    assert exported_queries() == few
