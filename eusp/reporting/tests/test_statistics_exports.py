"""/statistiques/export.csv|xlsx|ods: each view's table read back with a real reader (csv,
openpyxl, calamine) holds the figures of the page's table for the same query string —
filters, scope and options — counted over what the user may see, with neutralised text
cells; the page links to it, the print view does not; crafted URLs are never an error."""

import datetime
import io
import re
from html import unescape
from urllib.parse import parse_qs, urlsplit

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from eusp.directory.models import District, Service
from eusp.reporting.exports.cells import neutralise
from tests.factories import ServiceRequestFactory

from .test_exports import body, read
from .test_statistics_selectors import build_town

pytestmark = pytest.mark.django_db
FORMATS = ("csv", "xlsx", "ods")
VIEWS = ["repartition", "evolution", "croisement", "delais"]
PAGE = "/statistiques/"
YEAR = {"received_from": "2025-01-01"}  # the town's year (the delays default to the last 12 months)


@pytest.fixture
def town(db):
    return build_town()


def _page(client, user, **params):
    client.force_login(user)
    response = client.get(PAGE, params)
    assert response.status_code == 200
    return response


def _download(client, user, fmt: str, **params):
    client.force_login(user)
    response = client.get(f"/statistiques/export.{fmt}", params)
    assert response.status_code == 200, response.status_code
    return response


def _table(client, user, fmt: str, **params) -> list[list[str]]:
    """The file's rows, header first, as the spreadsheet shows them."""
    return read(fmt, body(_download(client, user, fmt, **params)))


def _shown(fmt: str, value) -> str:
    """A value of the page as ``read`` gives it back from a file of ``fmt``."""
    if value is None:
        return ""
    if isinstance(value, str):
        return neutralise(value)
    if isinstance(value, datetime.date):
        return f"{value:%d/%m/%Y}"
    if isinstance(value, float):
        value = round(value, 1)
        if fmt == "csv":
            return str(value).replace(".", ",")
        return str(int(value)) if value.is_integer() else str(value)
    return str(value)


def _expected(fmt: str, rows: list[list]) -> list[list[str]]:
    return [[_shown(fmt, value) for value in row] for row in rows]


def _by_label(rows: list[list[str]]) -> dict[str, int]:
    """First column → second (a count), total row left out."""
    return {row[0]: int(row[1]) for row in rows[1:] if row[0] not in ("Total", "Ensemble")}


# --- Each view: the page's table --------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("by", ["quartier", "service-instructeur", "etat", "elu"])
def test_breakdown_holds_the_pages_table(client, town, fmt, by):
    page = _page(client, town["central"], par=by).context
    figures = page["figures"]
    expected = [
        [r["slice"].label, r["slice"].count, r["share"], *(getattr(r["slice"].figures, f) for f in
                                                           ("active", "done", "overdue"))]
        for r in page["rows"]
    ] + [["Total", figures.total, 100.0, figures.active, figures.done, figures.overdue]]  # fmt: skip
    header, *rows = _table(client, town["central"], fmt, par=by)
    assert header == [str(page["query"].breakdown.label), "Demandes", "Part (%)", "En cours", "Réalisées",
                      "En retard"]  # fmt: skip
    assert rows == _expected(fmt, expected)
    if by == "quartier":  # counted by hand (test_statistics_selectors)
        assert _by_label([header, *rows]) == {"Nord": 5, "Sud": 4, "Est": 3}
        assert rows[-1][:2] == ["Total", "12"]


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("step", ["mois", "semaine"])
def test_timeline_holds_the_pages_table(client, town, fmt, step):
    page = _page(client, town["central"], vue="evolution", pas=step).context
    expected = [[r["period"].start, r["period"].end, r["period"].count, r["share"]] for r in page["rows"]]
    header, *rows = _table(client, town["central"], fmt, vue="evolution", pas=step)
    assert header == ["Début de la période", "Fin de la période", "Demandes reçues", "Part (%)"]
    assert rows == _expected(fmt, expected)
    counts = [int(row[2]) for row in rows]
    assert counts == ([3, 4, 5] if step == "mois" else [2, 1, 0, 0, 1, 1, 2, 0, 2, 1, 1, 1])


def test_timeline_periods_cut_by_the_chosen_dates_say_so(client, town):
    """A period the chosen dates cut is counted from (or to) the chosen date only: the
    file says which days its figure counts, as the page's link lists them."""
    params = {"vue": "evolution", "received_from": "2025-01-07", "received_to": "2025-03-20"}
    _header, *rows = _table(client, town["central"], "csv", **params)
    assert rows[0][:3] == ["07/01/2025", "31/01/2025", "2"]  # R2 and R8; R1 (6 January) is left out
    assert rows[-1][:3] == ["01/03/2025", "20/03/2025", "4"]
    links = [row["url"] for row in _page(client, town["central"], **params).context["rows"]]
    assert parse_qs(urlsplit(links[0]).query)["received_from"] == ["2025-01-07"]
    assert parse_qs(urlsplit(links[-1]).query)["received_to"] == ["2025-03-20"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_crossed_table_holds_the_pages_table(client, town, fmt):
    params = {"vue": "croisement", "par": "quartier", "croise": "phase"}
    page = _page(client, town["central"], **params).context
    expected = [[r["slice"].label, *(c["count"] for c in r["cells"]), r["slice"].count] for r in page["rows"]]
    expected.append(["Total", *(c["slice"].count for c in page["columns"]), page["figures"].total])
    header, *rows = _table(client, town["central"], fmt, **params)
    assert header == ["Quartier \\ Phase", *(c["slice"].label for c in page["columns"]), "Total"]
    assert header[1:] == ["Ouverte", "En cours", "En attente", "Réalisée", "Close sans suite", "Total"]
    assert rows == _expected(fmt, expected)
    assert rows[0] == ["Nord", "2", "1", "0", "2", "0", "5"] and rows[-1][-1] == "12"


def _delay_values(row, label: str) -> list:
    return [
        label,
        row.figures.total,
        row.instruction.median,
        row.instruction.p90,
        row.instruction.count,
        row.completion.median,
        row.completion.p90,
        row.completion.count,
        row.figures.active,
        row.figures.overdue,
        row.overdue_share,
        row.done_late_share,
        row.reminders,
        row.within_share,
    ]


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("by", ["service-instructeur", "quartier"])
def test_delays_hold_the_pages_tables(client, town, fmt, by):
    params = {"vue": "delais", "par": by, "jours": "15", **YEAR}
    page = _page(client, town["central"], **params).context
    expected = [_delay_values(item["row"], item["row"].label) for item in page["rows"]]
    expected.append(_delay_values(page["report"].total, "Ensemble"))
    header, *rows = _table(client, town["central"], fmt, **params)
    assert header[0] == str(page["query"].breakdown.label) and header[-1] == "Réponse sous 15 jours (%)"
    assert rows == _expected(fmt, expected)
    if by == "service-instructeur":  # counted by hand (test_statistics_selectors)
        assert rows[0][:2] == ["Voirie", "7"] and rows[-1][:2] == ["Ensemble", "12"]
    # The second table of the page: reminders per service reminded.
    header, *rows = _table(client, town["central"], fmt, tableau="relances", **params)
    assert header == ["Service relancé", "Relances", "dont automatiques"]
    assert rows == _expected(fmt, [list(row) for row in page["report"].reminded_services])
    assert rows == [["Parcs", "2", "0"], ["Voirie", "2", "1"]]


def test_delays_default_to_the_last_twelve_months_as_the_page(client, town):
    _header, *rows = _table(client, town["central"], "csv", vue="delais")
    assert rows == [["Ensemble", "0", "", "", "0", "", "", "0", "0", "0", "", "", "0", ""]]  # the town is of 2025


# --- Filters, scope, options -------------------------------------------------------------------


@pytest.mark.parametrize(
    "params, total",
    [
        ({"district": "Nord"}, 5),
        ({"received_from": "2025-02-01", "received_to": "2025-02-28"}, 4),
        ({"instructing_service": "Parcs", "phase": "done"}, 2),
        ({"archives": "1"}, 2),
        ({"archives": "0"}, 10),
        ({"q": "R11"}, 1),
    ],
)
@pytest.mark.parametrize("view", VIEWS)
def test_the_filters_apply_as_on_the_page(client, town, view, params, total):
    ids = {**{k: v.pk for k, v in town["districts"].items()}, **{k: v.pk for k, v in town["services"].items()}}
    params = {key: ids.get(value, value) for key, value in params.items()}
    params = {"vue": view, **YEAR, **params}
    page = _page(client, town["central"], **params).context
    assert page["figures"].total == total
    _header, *rows = _table(client, town["central"], "csv", **params)
    if view == "evolution":
        assert sum(int(row[2]) for row in rows) == total
    elif view == "delais":
        assert rows[-1][:2] == ["Ensemble", str(total)]
    else:
        assert rows[-1][0] == "Total" and rows[-1][-1 if view == "croisement" else 1] == str(total)


def test_a_district_filter_leaves_only_its_district(client, town):
    nord = town["districts"]["Nord"].pk
    rows = _table(client, town["central"], "xlsx", par="quartier", district=nord)
    assert _by_label(rows) == {"Nord": 5}


# --- Who counts what ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "who, total, districts",
    [
        ("central", 12, {"Nord": 5, "Sud": 4, "Est": 3}),
        ("voirie_agent", 7, {"Nord": 4, "Sud": 2, "Est": 1}),  # R1–R7
        ("parcs_agent", 5, {"Nord": 1, "Sud": 2, "Est": 2}),  # R2 (executed by Parcs), R8–R11
        ("elu", 3, {"Nord": 2, "Sud": 1}),  # referent of R2 and R3, author of R12
    ],
)
@pytest.mark.parametrize("fmt", FORMATS)
def test_everyone_counts_only_the_requests_they_may_see(client, town, who, total, districts, fmt):
    user = town[who]
    assert _by_label(_table(client, user, fmt, par="quartier")) == districts
    for view in VIEWS:
        _header, *rows = _table(client, user, fmt, vue=view, **YEAR)
        if view == "evolution":
            assert sum(int(row[2]) for row in rows) == total
        elif view == "delais":
            assert rows[-1][:2] == ["Ensemble", str(total)]
        else:
            assert rows[-1][-1 if view == "croisement" else 1] == str(total)


def test_an_agent_never_counts_another_services_request(client, town):
    agent = town["parcs_agent"]
    # R1, R3–R7 are Voirie's alone: the one « Voirie » request Parcs counts is R2, which Parcs executes.
    assert _by_label(_table(client, agent, "csv", par="service-instructeur")) == {"Parcs": 4, "Voirie": 1}
    assert _by_label(_table(client, agent, "ods", par="service-execution")) == {"Parcs": 5}
    # Reminders about R2 and R10 only — not R6's two to Voirie.
    reminded = _table(client, agent, "xlsx", vue="delais", tableau="relances", **YEAR)
    assert reminded[1:] == [["Parcs", "2", "0"]]
    # Nor requests of a service the agent is not in, whatever the filters say.
    other = Service.objects.create(name="Déchets")
    ServiceRequestFactory(created_by=town["central"], instructing_service=other, executing_service=other)
    assert "Déchets" not in _by_label(_table(client, agent, "csv", par="service-instructeur", archives="tout"))
    rows = _table(client, agent, "csv", par="service-instructeur", instructing_service=other.pk)
    assert rows[-1][:2] == ["Total", "0"]


def test_anonymous_goes_to_the_login_page(client, town):
    for fmt in FORMATS:
        response = client.get(f"/statistiques/export.{fmt}")
        assert response.status_code == 302 and "/connexion/" in response["Location"]


# --- What the file is -----------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_text_cells_and_headers_are_neutralised(client, town, fmt):
    District.objects.filter(pk=town["districts"]["Nord"].pk).update(name='=HYPERLINK("http://x.example","clic")')
    Service.objects.filter(pk=town["services"]["Voirie"].pk).update(name="-x")
    labels = _by_label(_table(client, town["central"], fmt, par="quartier"))
    assert labels['\'=HYPERLINK("http://x.example","clic")'] == 5
    assert _by_label(_table(client, town["central"], fmt, par="service-instructeur"))["'-x"] == 7
    # Quartiers as column headers of the crossed table.
    header = _table(client, town["central"], fmt, vue="croisement", par="phase", croise="quartier")[0]
    assert '\'=HYPERLINK("http://x.example","clic")' in header
    reminded = _table(client, town["central"], fmt, vue="delais", tableau="relances", **YEAR)
    assert ["'-x", "2", "1"] in reminded
    delays = _table(client, town["central"], fmt, vue="delais", **YEAR)
    assert delays[1][0] == "'-x"


def test_no_formula_reaches_a_spreadsheet(client, town):
    District.objects.filter(pk=town["districts"]["Nord"].pk).update(name="=1+1")
    data = body(_download(client, town["central"], "xlsx", par="quartier"))
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)


@pytest.mark.parametrize(
    "params, name",
    [
        ({}, "statistiques-quartier"),
        ({"vue": "evolution", "pas": "semaine"}, "evolution-semaines"),
        ({"vue": "croisement", "par": "etat", "croise": "quartier"}, "statistiques-etat-quartier"),
        ({"vue": "delais"}, "delais-service-instructeur"),
        ({"vue": "delais", "tableau": "relances"}, "relances-par-service"),
    ],
)
def test_file_names_and_headers(client, town, params, name):
    for fmt in FORMATS:
        response = _download(client, town["central"], fmt, **params)
        today = timezone.localdate()
        assert response["Content-Disposition"] == f'attachment; filename="{name}-{today:%Y-%m-%d}.{fmt}"'
        assert "no-store" in response["Cache-Control"]


def test_sheet_named_after_the_table(client, town):
    data = body(_download(client, town["central"], "xlsx", vue="delais", par="quartier"))
    assert openpyxl.load_workbook(io.BytesIO(data)).active.title == "Délais par quartier"
    data = body(_download(client, town["central"], "xlsx", vue="croisement", par="quartier", croise="phase"))
    assert openpyxl.load_workbook(io.BytesIO(data)).active.title == "Quartier × Phase"


# --- The links of the page -----------------------------------------------------------------------


def _export_links(html: str) -> list[str]:
    return [unescape(href) for href in re.findall(r'href="(/statistiques/export\.[a-z]+[^"]*)"', html)]


@pytest.mark.parametrize("view", ["repartition", "evolution", "croisement"])
def test_each_table_links_to_its_files_with_the_pages_query(client, town, view):
    params = {"vue": view, "par": "origine", "district": str(town["districts"]["Sud"].pk)}
    html = _page(client, town["central"], **params).content.decode()
    links = _export_links(html)
    assert [urlsplit(link).path for link in links] == [f"/statistiques/export.{fmt}" for fmt in FORMATS]
    for link in links:
        assert {key: value[0] for key, value in parse_qs(urlsplit(link).query).items()} == params
        assert client.get(link).status_code == 200
    assert "Exporter ce tableau :" in html
    assert re.search(r'<span class="visually-hidden">Exporter « [^»]+ » en </span>CSV</a>', unescape(html))


def test_the_delays_tables_have_their_links(client, town):
    context = _page(client, town["central"], vue="delais", **YEAR).context
    exports = context["table_exports"]
    assert set(exports) == {"main", "relances"}
    assert exports["relances"]["title"] == "Relances par service relancé"
    for key, table in (("main", None), ("relances", "relances")):
        for link in exports[key]["links"]:
            query = parse_qs(urlsplit(link["url"]).query)
            assert query.get("tableau", [None])[0] == table and query["vue"] == ["delais"]
            assert client.get(link["url"]).status_code == 200
    # Both tables show their links on the page.
    links = _export_links(_page(client, town["central"], vue="delais", **YEAR).content.decode())
    assert sorted("tableau=relances" in link for link in links) == [False] * 3 + [True] * 3


def test_the_print_view_has_no_export_links(client, town):
    for view in VIEWS:
        response = _page(client, town["central"], vue=view, impression="1", **YEAR)
        assert not _export_links(response.content.decode())
        assert "table_exports" not in response.context


def test_a_printed_pages_query_string_exports_too(client, town):
    rows = _table(client, town["central"], "csv", par="quartier", impression="1")
    assert _by_label(rows) == {"Nord": 5, "Sud": 4, "Est": 3}


# --- Bad requests ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/statistiques/export.pdf",
        "/statistiques/export.CSV",
        "/statistiques/export.",
        "/statistiques/export.csv/",
        "/statistiques/export.csv?tableau=inconnu",
        "/statistiques/export.xlsx?tableau=relances",  # the distribution has one table
        "/statistiques/export.ods?vue=croisement&tableau=relances",
    ],
)
def test_unknown_formats_and_tables_are_not_found(client, town, path):
    client.force_login(town["central"])
    assert client.get(path).status_code == 404


@pytest.mark.parametrize(
    "params, check",
    [
        ({"par": "inconnu"}, lambda rows: rows[0][0] == "Quartier"),
        ({"vue": "inconnue"}, lambda rows: rows[0][0] == "Quartier"),
        ({"vue": "delais", "par": "etat"}, lambda rows: rows[0][0] == "Service instructeur"),
        ({"vue": "delais", "jours": "0"}, lambda rows: rows[0][-1] == "Réponse sous 15 jours (%)"),
        ({"vue": "croisement", "croise": "quartier"}, lambda rows: rows[0][0] == "Quartier \\ Phase"),
        ({"received_from": "2025-02-30"}, lambda rows: rows[-1][:2] == ["Total", "12"]),
        ({"vue": "evolution", "received_from": "0001-01-01", "received_to": "9999-12-31"},
         lambda rows: sum(int(r[2]) for r in rows[1:]) == 12),
    ],
)  # fmt: skip
def test_bad_options_fall_back_as_on_the_page(client, town, params, check):
    for fmt in FORMATS:
        assert check(_table(client, town["central"], fmt, **params))


JUNK = st.one_of(
    st.text(max_size=30).filter(lambda value: "\x00" not in value),
    st.sampled_from(["", "0", "-1", "1", "tout", "2025-02-30", "9999-12-31", "0001-01-01", "quartier", "phase",
                     "semaine", "delais", "relances", "99999999999999999999", "NaN", "on"]),
    st.integers(min_value=-(10**6), max_value=10**6).map(str),
)  # fmt: skip
PARAMS = ["vue", "par", "croise", "pas", "jours", "impression", "archives", "tableau", "q", "state", "phase",
          "district", "instructing_service", "received_from", "received_to", "overdue"]  # fmt: skip


@settings(max_examples=40, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_crafted_urls_never_fail(client, town, data):
    user = data.draw(st.sampled_from([town["central"], town["parcs_agent"], town["elu"]]))
    fmt = data.draw(st.sampled_from(FORMATS))
    params = data.draw(st.dictionaries(st.sampled_from(PARAMS), JUNK, max_size=6))
    client.force_login(user)
    response = client.get(f"/statistiques/export.{fmt}", params)
    table = params.get("tableau", "")
    if table == "" or (table == "relances" and params.get("vue") == "delais"):
        assert response.status_code == 200
        assert read(fmt, body(response))[0]  # a header row, at least
    else:
        assert response.status_code == 404


@pytest.mark.parametrize("view", VIEWS)
def test_queries_do_not_depend_on_the_number_of_requests(client, town, view, django_assert_max_num_queries):
    client.force_login(town["central"])
    url = "/statistiques/export.xlsx"
    params = {"vue": view, **YEAR}
    client.get(url, params)  # session, caches
    with CaptureQueriesContext(connection) as before:
        client.get(url, params)
    for _ in range(5):
        ServiceRequestFactory(created_by=town["central"], district=town["districts"]["Est"])
    with django_assert_max_num_queries(len(before)):
        client.get(url, params)
