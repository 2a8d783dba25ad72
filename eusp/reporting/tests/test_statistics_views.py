"""/statistiques/: each view on the hand-counted town, the links to the requests behind a
figure, who sees what, the print view, query counts and crafted URLs."""

import datetime
import re
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from eusp.directory.models import Phase
from tests.factories import ServiceRequestFactory

from .test_statistics_selectors import build_town

pytestmark = pytest.mark.django_db
URL = "/statistiques/"
VIEWS = ["repartition", "evolution", "croisement", "delais"]


@pytest.fixture
def town(db):
    return build_town()


def _get(client, user, **params):
    """The page; the delays over the town's year (they default to the last 12 months)."""
    if params.get("vue") == "delais" and not {"received_from", "received_to"} & set(params):
        params["received_from"] = "2025-01-01"
    client.force_login(user)
    response = client.get(URL, params)
    assert response.status_code == 200
    return response


def _links(response) -> list[str]:
    return [unescape(href) for href in re.findall(r'href="(/demandes/recherche/\?[^"]*)"', response.content.decode())]


def _listed(client, url: str) -> int:
    response = client.get(url)
    assert response.status_code == 200
    assert not response.context["more"]
    return response.context["count"]


def test_anonymous_goes_to_the_login_page(client):
    response = client.get(URL)
    assert response.status_code == 302 and "/connexion/" in response["Location"]


@pytest.mark.parametrize("view", VIEWS)
def test_every_view_has_its_figures_and_an_accessible_chart(client, town, view):
    response = _get(client, town["central"], vue=view)
    html = response.content.decode()
    assert response.context["figures"].total == 12
    assert 'aria-current="page">' in html
    if view in ("repartition", "evolution"):
        svg = re.search(r"<svg[^>]*>", html).group(0)
        assert 'role="img"' in svg
        ids = re.search(r'aria-labelledby="([^"]+)"', svg).group(1).split()
        assert f'<title id="{ids[0]}">' in html and f'<desc id="{ids[1]}">' in html
        assert "<caption>" in html and 'scope="row"' in html
    assert "style=" not in html.split("<main", 1)[1]  # CSP-friendly
    assert "<script" not in html.split("<main", 1)[1]


def test_breakdown_table_and_links_to_the_requests_behind_each_bar(client, town):
    response = _get(client, town["central"], par="quartier")
    rows = {row["slice"].label: row for row in response.context["rows"]}
    assert {label: row["slice"].count for label, row in rows.items()} == {"Nord": 5, "Sud": 4, "Est": 3}
    assert rows["Nord"]["share"] == pytest.approx(500 / 12)
    north = rows["Nord"]["url"]
    assert parse_qs(urlsplit(north).query) == {"district": [str(town["districts"]["Nord"].pk)], "archives": ["tout"]}
    assert north in _links(response)
    for row in rows.values():
        assert _listed(client, row["url"]) == row["slice"].count  # following a bar shows exactly its requests


def test_not_set_values_have_no_link(client, town):
    response = _get(client, town["central"], par="service-instructeur")
    unset = [row for row in response.context["rows"] if row["slice"].value is None]
    assert unset[0]["slice"].label == "Non renseigné" and unset[0]["url"] is None


def test_links_keep_the_filters_and_the_archive_scope(client, town):
    nord = town["districts"]["Nord"].pk
    response = _get(client, town["central"], par="phase", district=nord, archives="1", vue="repartition")
    assert response.context["figures"].total == 1  # R1, archived in Nord
    url = response.context["rows"][0]["url"]
    assert parse_qs(urlsplit(url).query) == {"district": [str(nord)], "phase": [Phase.DONE], "archives": ["1"]}
    assert _listed(client, url) == 1
    live = _get(client, town["central"], archives="0")
    assert live.context["figures"].total == 10
    assert "archives" not in parse_qs(urlsplit(live.context["rows"][0]["url"]).query)  # the search's default


def test_crossed_table_cells_link_to_both_values(client, town):
    response = _get(client, town["central"], vue="croisement", par="quartier", croise="phase")
    rows = {row["slice"].label: row for row in response.context["rows"]}
    columns = [column["slice"].label for column in response.context["columns"]]
    assert columns == ["Ouverte", "En cours", "En attente", "Réalisée", "Close sans suite"]
    assert [cell["count"] for cell in rows["Nord"]["cells"]] == [2, 1, 0, 2, 0]
    assert [cell["count"] for cell in rows["Est"]["cells"]] == [0, 1, 1, 0, 1]
    cell = rows["Sud"]["cells"][3]
    assert parse_qs(urlsplit(cell["url"]).query)["phase"] == [Phase.DONE]
    assert _listed(client, cell["url"]) == 4
    assert _listed(client, response.context["columns"][0]["url"]) == 2  # column total: open requests


def test_same_dimension_twice_is_refused_with_a_message(client, town):
    response = _get(client, town["central"], vue="croisement", par="quartier", croise="quartier")
    assert response.context["query"].crossed.key == "phase"
    assert "deux dimensions différentes" in response.content.decode()


def test_timeline_rows_link_to_their_period(client, town):
    response = _get(client, town["central"], vue="evolution", pas="mois", received_from="2025-01-10")
    rows = response.context["rows"]
    assert [row["period"].count for row in rows] == [1, 4, 5]  # R1 and R2 are before the 10th
    january = parse_qs(urlsplit(rows[0]["url"]).query)
    assert january["received_from"] == ["2025-01-10"] and january["received_to"] == ["2025-01-31"]
    assert [_listed(client, row["url"]) for row in rows] == [1, 4, 5]
    weekly = _get(client, town["central"], vue="evolution", pas="semaine")
    assert [row["period"].count for row in weekly.context["rows"]] == [2, 1, 0, 0, 1, 1, 2, 0, 2, 1, 1, 1]


def test_delays_view(client, town):
    response = _get(client, town["central"], vue="delais", jours="15")
    rows = {item["row"].label: item["row"] for item in response.context["rows"]}
    assert rows["Voirie"].completion.median == 6 and rows["Parcs"].within_share == 25
    html = response.content.decode()
    assert "Réponse sous 15 jours" in html and "Relances par service relancé" in html
    by_quartier = _get(client, town["central"], vue="delais", par="quartier")
    assert {item["row"].label for item in by_quartier.context["rows"]} == {"Nord", "Sud", "Est"}


def test_key_figures_link_to_their_lists(client, town):
    response = _get(client, town["central"])
    figures = {figure["label"]: figure for figure in response.context["key_figures"]}
    assert (figures["En retard"]["value"], figures["En retard"]["share"]) == (2, 40)
    assert _listed(client, figures["En retard"]["url"]) == 2
    assert _listed(client, figures["Réalisées"]["url"]) == 6
    assert _listed(client, figures["Demandes"]["url"]) == 12


@pytest.mark.parametrize("params", [{}, {"phase": Phase.OPEN}, {"phase": Phase.DONE}, {"state": "Close"}])
def test_each_key_figures_link_lists_exactly_its_requests(client, town, params):
    """With a phase already chosen, « Réalisées » counts none: its link must not list every
    request done (the figure's phase would replace the chosen one)."""
    if "state" in params:
        params = {"state": town["requests"]["R5"].state_id}
    response = _get(client, town["central"], **params)
    for figure in response.context["key_figures"]:
        if figure["url"]:
            assert _listed(client, figure["url"]) == figure["value"], figure["label"]


@pytest.mark.parametrize(
    "params, total",
    [
        ({"district": "Nord"}, 5),
        ({"received_from": "2025-02-01", "received_to": "2025-02-28"}, 4),
        ({"instructing_service": "Parcs", "phase": Phase.DONE}, 2),
        ({"overdue": "on"}, 2),
        ({"answered": "non"}, 6),  # R4, R6, R7, R10, R11, R12
        ({"q": "R11"}, 1),
    ],
)
def test_the_list_filters_apply(client, town, params, total):
    ids = {**{k: v.pk for k, v in town["districts"].items()}, **{k: v.pk for k, v in town["services"].items()}}
    params = {key: ids.get(value, value) for key, value in params.items()}
    for view in VIEWS:
        assert _get(client, town["central"], vue=view, **params).context["figures"].total == total


@pytest.mark.parametrize(
    "who, total, districts",
    [
        ("central", 12, {"Nord": 5, "Sud": 4, "Est": 3}),
        ("voirie_agent", 7, {"Nord": 4, "Sud": 2, "Est": 1}),  # R1–R7
        ("parcs_agent", 5, {"Nord": 1, "Sud": 2, "Est": 2}),  # R2 (executed by Parcs), R8–R11
        ("elu", 3, {"Nord": 2, "Sud": 1}),  # referent of R2 and R3, author of R12
    ],
)
def test_everyone_counts_only_the_requests_they_may_see(client, town, who, total, districts):
    user = town[who]
    for view in VIEWS:
        assert _get(client, user, vue=view).context["figures"].total == total
    response = _get(client, user, par="quartier", archives="tout")
    assert {row["slice"].label: row["slice"].count for row in response.context["rows"]} == districts
    crossed = _get(client, user, vue="croisement")
    assert sum(cell["count"] for row in crossed.context["rows"] for cell in row["cells"]) == total
    delays = _get(client, user, vue="delais")
    assert sum(item["row"].figures.total for item in delays.context["rows"]) == total
    assert sum(item["row"].reminders for item in delays.context["rows"]) == delays.context["report"].total.reminders
    for row in response.context["rows"]:  # and the lists behind agree
        assert _listed(client, row["url"]) == row["slice"].count


def test_an_agent_never_counts_another_services_request(client, town):
    response = _get(client, town["parcs_agent"], par="service-instructeur")
    assert {row["slice"].label: row["slice"].count for row in response.context["rows"]} == {"Parcs": 4, "Voirie": 1}
    delays = _get(client, town["parcs_agent"], vue="delais")
    assert delays.context["report"].total.reminders == 2  # R2's and R10's; not R6's


def test_print_view_states_the_filters_in_words(client, town):
    response = _get(client, town["central"], impression="1", district=town["districts"]["Sud"].pk, archives="1")
    html = response.content.decode()
    assert "site-nav" not in html and "<form" not in html and "<button" not in html
    criteria = dict(response.context["query"].filters_in_words())
    assert criteria["Quartier"] == "Sud" and criteria["Demandes"] == "archivées"
    assert "<svg" in html and "Retour aux statistiques" in html


def test_print_link_and_tabs_keep_the_query(client, town):
    response = _get(client, town["central"], par="origine", pas="semaine")
    print_url = response.context["print_url"]
    assert parse_qs(urlsplit(print_url).query) == {"par": ["origine"], "pas": ["semaine"], "impression": ["1"]}
    tabs = {key: url for key, _label, url in response.context["tabs"]}
    assert parse_qs(urlsplit(tabs["delais"]).query) == {"par": ["origine"], "pas": ["semaine"], "vue": ["delais"]}


def test_delays_default_to_the_last_twelve_months(client, town):
    client.force_login(town["central"])
    response = client.get(URL, {"vue": "delais"})
    since = (timezone.localdate() - datetime.timedelta(days=365)).isoformat()
    assert response.context["figures"].total == 0  # the town's requests are from 2025
    assert "12 derniers mois" in response.content.decode()
    assert response.context["query"].filterset.form["received_from"].value() == since
    tabs = {key: url for key, _label, url in response.context["tabs"]}
    assert "received_from" not in tabs["repartition"]  # the default stays with the delays
    ServiceRequestFactory(created_by=town["central"], instructing_service=town["services"]["Parcs"])
    url = client.get(URL, {"vue": "delais"}).context["rows"][0]["url"]
    assert parse_qs(urlsplit(url).query)["received_from"] == [since]
    assert _listed(client, url) == 1


@pytest.mark.parametrize("wrong", ["demain", "2026-02-30", "0"])
def test_delays_keep_their_default_period_when_the_dates_given_are_wrong(client, town, wrong):
    client.force_login(town["central"])
    response = client.get(URL, {"vue": "delais", "received_from": wrong})
    since = (timezone.localdate() - datetime.timedelta(days=365)).isoformat()
    assert "12 derniers mois" in response.content.decode()
    assert response.context["query"].filterset.form["received_from"].value() == since


@pytest.mark.parametrize("view", VIEWS)
def test_queries_do_not_depend_on_the_number_of_requests(client, town, view, django_assert_max_num_queries):
    client.force_login(town["central"])
    params = {"vue": view, "received_from": "2025-01-01"}
    client.get(URL, params)  # session, caches
    with CaptureQueriesContext(connection) as before:
        client.get(URL, params)
    for _ in range(5):
        ServiceRequestFactory(created_by=town["central"], district=town["districts"]["Est"])
    with django_assert_max_num_queries(len(before)), CaptureQueriesContext(connection) as after:
        client.get(URL, params)
    assert len(after) == len(before) <= 20  # the filter form's lists, the session, the figures


@pytest.mark.parametrize(
    "params, message",
    [
        ({"par": "inconnu"}, "Sélectionnez un choix valide"),
        ({"jours": "0", "vue": "delais"}, "supérieure ou égale à 1"),
        ({"jours": "366", "vue": "delais"}, "inférieure ou égale à 365"),
        ({"jours": "abc", "vue": "delais"}, "Saisissez un nombre entier"),
        ({"par": "etat", "vue": "delais"}, "ne se calculent pas par état"),
        ({"received_from": "2025-02-30"}, "Saisissez une date valide"),
    ],
)
def test_bad_options_get_a_french_message_and_the_default(client, town, params, message):
    response = _get(client, town["central"], **params)
    assert message in unescape(response.content.decode())
    query = response.context["query"]
    assert query.within_days == 15
    assert query.breakdown.key in ("quartier", "service-instructeur")


JUNK = st.one_of(
    st.text(max_size=30).filter(lambda value: "\x00" not in value),
    st.sampled_from(["", "0", "-1", "1", "tout", "2025-02-30", "9999-12-31", "0001-01-01", "quartier", "phase",
                     "semaine", "delais", "99999999999999999999", "NaN", "on"]),
    st.integers(min_value=-(10**6), max_value=10**6).map(str),
)  # fmt: skip
PARAMS = ["vue", "par", "croise", "pas", "jours", "impression", "archives", "q", "field", "state", "phase",
          "district", "instructing_service", "referent_official", "received_from", "received_to", "closed_from",
          "overdue", "mine"]  # fmt: skip


@settings(max_examples=60, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_crafted_urls_never_fail(client, town, data):
    user = data.draw(st.sampled_from([town["central"], town["parcs_agent"], town["elu"]]))
    params = data.draw(st.dictionaries(st.sampled_from(PARAMS), JUNK, max_size=6))
    client.force_login(user)
    assert client.get(URL, params).status_code == 200


@pytest.mark.parametrize("view", VIEWS)
def test_closed_dates_at_the_ends_of_the_calendar_are_no_error(client, town, view):
    """Every request closed since the first day of the calendar: the done and the closed ones."""
    response = _get(client, town["central"], vue=view, closed_from="0001-01-01", closed_to="9999-12-31")
    figures = response.context["figures"]
    assert (figures.total, figures.done, figures.closed) == (7, 6, 1)


@pytest.mark.parametrize("who", ["central", "voirie_agent", "elu"])
def test_every_profile_finds_statistics_in_the_navigation(client, town, who):
    client.force_login(town[who])
    assert 'href="/statistiques/"' in client.get("/").content.decode()


def test_the_advanced_search_offers_the_three_scopes(client, town):
    client.force_login(town["central"])
    counts = {
        scope: client.get("/demandes/recherche/", {"archives": scope}).context["count"] for scope in ("", "1", "tout")
    }
    assert counts == {"": 10, "1": 2, "tout": 12}
    html = client.get("/demandes/recherche/", {"archives": "tout"}).content.decode()
    assert re.search(r'<select name="archives" id="id_archives">', html)
    assert '<option value="tout" selected>' in html


@pytest.mark.parametrize(
    "params, name, headers, first_row, last_row",
    [
        ({}, "statistiques-quartier", ["Quartier", "Demandes", "Part (%)", "En cours", "Réalisées", "En retard"],
         ["Nord", 5, 41.7, 3, 2, 1], ["Total", 12, 100.0, 5, 6, 2]),
        ({"vue": "evolution"}, "evolution-mois", ["Début de la période", "Fin de la période", "Demandes reçues",
                                                   "Part (%)"],
         [datetime.date(2025, 1, 1), datetime.date(2025, 1, 31), 3, 25.0],
         [datetime.date(2025, 3, 1), datetime.date(2025, 3, 31), 5, 41.7]),
        ({"vue": "croisement", "croise": "phase"}, "statistiques-quartier-phase",
         ["Quartier \\ Phase", "Ouverte", "En cours", "En attente", "Réalisée", "Close sans suite", "Total"],
         ["Nord", 2, 1, 0, 2, 0, 5], ["Total", 2, 2, 1, 6, 1, 12]),
        ({"vue": "delais", "received_from": "2025-01-01"}, "delais-service-instructeur", None,
         ["Voirie", 7, 2.5, 3.7, 4, 6, 9.2, 5, 2, 1, 50.0, None, 3, 42.9],
         ["Ensemble", 12, 3, 7.6, 5, 6, 12.0, 7, 5, 2, 40.0, 50.0, 4, 33.3]),
    ],
)  # fmt: skip
def test_each_view_gives_its_table_as_plain_values(town, params, name, headers, first_row, last_row):
    from django.http import QueryDict

    from eusp.reporting.statistics.params import statistics_query
    from eusp.reporting.statistics.tables import reminded_services_table, statistics_table

    data = QueryDict(mutable=True)
    data.update(params)
    query = statistics_query(data, town["central"])
    table = statistics_table(query)
    assert table.name == name
    assert headers is None or table.headers == headers
    assert table.rows[0] == first_row and table.rows[-1] == last_row
    if query.view == "delais":
        assert table.headers[-1] == "Réponse sous 15 jours (%)"
        from eusp.reporting.statistics.delays import delay_report

        report = delay_report(query.queryset, query.breakdown)
        assert reminded_services_table(report) == (
            ["Service relancé", "Relances", "dont automatiques"],
            [["Parcs", 2, 0], ["Voirie", 2, 1]],
        )
