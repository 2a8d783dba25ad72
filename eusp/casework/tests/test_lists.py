"""/demandes/, /archives/ and the advanced search: every filter and combinations, the
sorts, keyset pages, the URL round trip, the reference jump, the quick search and
saved searches."""

import datetime
from urllib.parse import parse_qsl, urlencode

import pytest
from django.utils import timezone

from eusp.casework.models import Answer, AnswerChannel, SavedSearch, ServiceRequest
from eusp.directory.models import Phase, Priority, State
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
TODAY = timezone.localdate
DAY = datetime.timedelta(days=1)


def _subjects(client, url: str, **params) -> list[str]:
    response = client.get(url, params)
    assert response.status_code == 200
    return [sr.subject for sr in response.context["page"]["rows"]]


@pytest.fixture
def town(central):
    roads, parks = ServiceFactory(name="Voirie"), ServiceFactory(name="Parcs")
    north, south = DistrictFactory(name="Nord"), DistrictFactory(name="Sud")
    lamp, bin_ = CategoryFactory(name="Éclairage"), CategoryFactory(name="Propreté")
    phone, mail = OriginFactory(name="Téléphone"), OriginFactory(name="Courrier")
    urgent = Priority.objects.order_by("-position").first()
    elu = ElectedFactory(username="jm")
    make = ServiceRequestFactory
    rows = {
        "a": make(created_by=central, subject="A", district=north, category=lamp, origin=phone,
                  instructing_service=roads, executing_service=parks, received_on=TODAY() - 10 * DAY),
        "b": make(created_by=central, subject="B", district=south, category=bin_, origin=mail,
                  instructing_service=parks, executing_service=roads, received_on=TODAY() - 5 * DAY,
                  referent_official=elu, priority=urgent),
        "c": make(created_by=elu, subject="C", district=north, category=bin_, origin=mail,
                  instructing_service=roads, executing_service=roads, received_on=TODAY() - DAY),
    }  # fmt: skip
    return {"roads": roads, "parks": parks, "north": north, "south": south, "lamp": lamp, "bin": bin_,
            "phone": phone, "urgent": urgent, "elu": elu, **rows}  # fmt: skip


@pytest.mark.parametrize(
    "params, expected",
    [
        (lambda t: {"district": t["north"].pk}, {"A", "C"}),
        (lambda t: {"category": t["bin"].pk}, {"B", "C"}),
        (lambda t: {"origin": t["phone"].pk}, {"A"}),
        (lambda t: {"instructing_service": t["roads"].pk}, {"A", "C"}),
        (lambda t: {"executing_service": t["roads"].pk}, {"B", "C"}),
        (lambda t: {"service": t["parks"].pk}, {"A", "B"}),
        (lambda t: {"referent_official": t["elu"].pk}, {"B"}),
        (lambda t: {"priority": t["urgent"].pk}, {"B"}),
        (lambda t: {"received_from": (TODAY() - 6 * DAY).isoformat()}, {"B", "C"}),
        (lambda t: {"received_to": (TODAY() - 6 * DAY).isoformat()}, {"A"}),
        (lambda t: {"phase": Phase.OPEN}, {"A", "B", "C"}),
        (lambda t: {"district": t["north"].pk, "category": t["bin"].pk}, {"C"}),
        (lambda t: {"district": t["north"].pk, "category": t["bin"].pk, "origin": t["phone"].pk}, set()),
        (lambda t: {"service": t["roads"].pk, "received_from": (TODAY() - 6 * DAY).isoformat()}, {"B", "C"}),
    ],
)
def test_each_filter_and_their_combinations(client, central, town, params, expected):
    client.force_login(central)
    assert set(_subjects(client, "/demandes/", **params(town))) == expected


def test_overdue_answered_and_mine(client, central, town):
    ServiceRequest.objects.filter(pk=town["a"].pk).update(due_on=TODAY() - DAY)
    Answer.objects.create(
        service_request=town["b"], channel=AnswerChannel.PHONE, answered_on=TODAY(), text="…", author=central
    )
    client.force_login(central)
    assert _subjects(client, "/demandes/", overdue="on") == ["A"]
    assert _subjects(client, "/demandes/", answered="oui") == ["B"]
    assert set(_subjects(client, "/demandes/", answered="non")) == {"A", "C"}
    assert set(_subjects(client, "/demandes/", mine="on")) == {"A", "B"}
    client.force_login(town["elu"])
    assert set(_subjects(client, "/demandes/", mine="on")) == {"B", "C"}  # referent of B, author of C


def test_closed_date_range_on_the_archives(client, central, town):
    closed = timezone.now() - 3 * DAY
    ServiceRequest.objects.filter(pk=town["a"].pk).update(is_archived=True, closed_at=closed)
    ServiceRequest.objects.filter(pk=town["b"].pk).update(is_archived=True, closed_at=closed - 30 * DAY)
    client.force_login(central)
    assert _subjects(client, "/archives/", closed_from=(TODAY() - 7 * DAY).isoformat()) == ["A"]
    assert _subjects(client, "/archives/", closed_to=(TODAY() - 7 * DAY).isoformat()) == ["B"]


def test_a_request_closed_in_the_last_instant_of_the_day_is_closed_that_day(client, central, town):
    day = TODAY() - 3 * DAY
    last_instant = timezone.make_aware(datetime.datetime.combine(day, datetime.time.max))
    ServiceRequest.objects.filter(pk=town["a"].pk).update(is_archived=True, closed_at=last_instant)
    client.force_login(central)
    assert _subjects(client, "/archives/", closed_to=day.isoformat()) == ["A"]
    assert _subjects(client, "/archives/", closed_from=(day + DAY).isoformat()) == []


@pytest.mark.parametrize("url", ["/demandes/", "/archives/", "/demandes/recherche/"])
def test_closed_dates_at_the_ends_of_the_calendar_filter_nothing_out(client, central, town, url):
    """1 January of year 1 in Paris is still 31 December of year 0 in UTC, which Python
    cannot hold: such a bound (a crafted URL) means « no bound », never an error page."""
    closed = timezone.now() - 3 * DAY
    ServiceRequest.objects.filter(pk=town["a"].pk).update(is_archived=True, closed_at=closed)
    ServiceRequest.objects.filter(pk=town["b"].pk).update(closed_at=closed)
    client.force_login(central)
    extremes = {"closed_from": "0001-01-01", "closed_to": "9999-12-31"}
    expected = {"/demandes/": ["B"], "/archives/": ["A"], "/demandes/recherche/": ["B"]}[url]
    assert _subjects(client, url, **extremes) == expected
    assert _subjects(client, url, closed_from="9999-12-31") == []
    assert _subjects(client, url, closed_to="0001-01-01") == []


@pytest.mark.parametrize(
    "sort, expected",
    [
        ("-created", ["C", "B", "A"]),
        ("created", ["A", "B", "C"]),
        ("received", ["A", "B", "C"]),
        ("-received", ["C", "B", "A"]),
        ("reference", ["A", "B", "C"]),
        ("-reference", ["C", "B", "A"]),
        ("due", ["B", "A", "C"]),  # no due date last
        ("-due", ["C", "A", "B"]),
    ],
)
def test_every_sort(client, central, town, sort, expected):
    ServiceRequest.objects.filter(pk=town["a"].pk).update(due_on=TODAY() + 9 * DAY)
    ServiceRequest.objects.filter(pk=town["b"].pk).update(due_on=TODAY() + 2 * DAY)
    client.force_login(central)
    assert _subjects(client, "/demandes/", sort=sort) == expected


def test_keyset_pages_walk_forward_backward_and_to_the_end(client, central, settings):
    settings.EUSP_PAGE_SIZE = 2
    for n in range(5):
        ServiceRequestFactory(created_by=central, subject=f"S{n}", received_on=TODAY() - n * DAY)
    client.force_login(central)
    first = client.get("/demandes/", {"sort": "received", "district": ""}).context["page"]
    assert [sr.subject for sr in first["rows"]] == ["S4", "S3"]
    assert first["previous"] is None and first["first"] is None
    second = client.get(f"/demandes/?sort=received&{first['next']}").context["page"]
    assert [sr.subject for sr in second["rows"]] == ["S2", "S1"]
    back = client.get(f"/demandes/?sort=received&{second['previous']}").context["page"]
    assert [sr.subject for sr in back["rows"]] == ["S4", "S3"]
    last = client.get("/demandes/?sort=received&fin=1").context["page"]
    assert [sr.subject for sr in last["rows"]] == ["S1", "S0"]
    assert last["next"] is None and last["last"] is None
    before_last = client.get(f"/demandes/?sort=received&{last['previous']}").context["page"]
    assert [sr.subject for sr in before_last["rows"]] == ["S3", "S2"]


@pytest.mark.parametrize("cursor", ["apres=xyz", "avant=%%%", "apres=" + "A" * 300, "apres=WyJ4Il0", "fin=2"])
def test_a_malformed_cursor_shows_the_first_page(client, central, cursor):
    ServiceRequestFactory(created_by=central, subject="Seule")
    client.force_login(central)
    assert _subjects(client, f"/demandes/?{cursor}") == ["Seule"]


def test_filters_and_sort_round_trip_through_the_url(client, central, town):
    client.force_login(central)
    params = {"district": town["north"].pk, "category": town["bin"].pk, "sort": "received", "q": ""}
    page = client.get("/demandes/", params).content.decode()
    assert f'<option value="{town["north"].pk}" selected>' in page
    assert '<option value="received" selected>' in page
    # The advanced search link and the column headers keep every filter.
    advanced = client.get("/demandes/recherche/", params).content.decode()
    assert f'<option value="{town["bin"].pk}" selected>' in advanced
    response = client.get("/demandes/", params)
    header_link = next(
        part for part in response.content.decode().split('href="?')[1:] if "sort=-received" in part.split('"')[0]
    )
    kept = dict(parse_qsl(header_link.split('"')[0].replace("&amp;", "&")))
    assert kept["district"] == str(town["north"].pk) and kept["category"] == str(town["bin"].pk)


def test_a_reference_opens_the_request_and_a_short_number_means_this_year(client, central, town):
    client.force_login(central)
    response = client.get("/demandes/", {"q": town["b"].reference})
    assert response.status_code == 302 and response["Location"] == town["b"].get_absolute_url()
    response = client.get("/demandes/", {"q": str(town["b"].number)})
    assert response["Location"] == town["b"].get_absolute_url()
    htmx = client.get("/demandes/", {"q": town["b"].reference}, headers={"HX-Request": "true"})
    assert htmx["HX-Redirect"] == town["b"].get_absolute_url()


def test_a_reference_the_user_may_not_see_opens_nothing(client, town):
    agent = AgentFactory(services=[ServiceFactory(name="Cimetières")])
    client.force_login(agent)
    response = client.get("/demandes/", {"q": town["b"].reference})
    assert response.status_code == 200 and response.context["page"]["rows"] == []


def test_words_list_the_best_matches_first(client, central):
    ServiceRequestFactory(created_by=central, subject="Trottoir abîmé", description="près du lampadaire")
    ServiceRequestFactory(created_by=central, subject="Lampadaire éteint")
    client.force_login(central)
    response = client.get("/demandes/", {"q": "lampadaire"})
    assert [sr.subject for sr in response.context["page"]["rows"]] == ["Lampadaire éteint", "Trottoir abîmé"]
    assert response.context["sort"] == "pertinence"
    assert '<option value="pertinence" selected>' in response.content.decode()


def test_the_quick_search_fragment(client, central, town):
    ServiceRequestFactory(created_by=central, subject="Lampadaire éteint rue Pasteur")
    client.force_login(central)
    body = client.get("/demandes/recherche-rapide/", {"q": "lampa"}, headers={"HX-Request": "true"}).content.decode()
    assert "Lampadaire éteint rue Pasteur" in body and 'href="/demandes/?q=lampa"' in body
    assert "Aucune demande ne correspond." in client.get("/demandes/recherche-rapide/", {"q": "zzzz"}).content.decode()
    by_reference = client.get("/demandes/recherche-rapide/", {"q": town["a"].reference}).content.decode()
    assert town["a"].get_absolute_url() in by_reference
    assert client.get("/demandes/recherche-rapide/", {"q": ""}).content.decode().count("<li>") == 0


def test_every_page_has_the_quick_search_box(client, central):
    client.force_login(central)
    page = client.get("/").content.decode()
    assert 'role="search"' in page and 'name="q"' in page and 'hx-get="/demandes/recherche-rapide/"' in page


def test_counts_per_phase_are_shown_on_small_sets(client, central, town):
    done = State.objects.filter(phase=Phase.DONE).first()
    ServiceRequest.objects.filter(pk=town["a"].pk).update(state=done)
    client.force_login(central)
    page = client.get("/demandes/").content.decode()
    assert "3 demandes" in page
    assert f"{Phase.OPEN.label} : 2 · {Phase.DONE.label} : 1" in page


def test_saving_a_search_finds_it_on_the_dashboard(client, central, town):
    client.force_login(central)
    query = urlencode({"district": town["north"].pk, "sort": "received", "evil": "<script>", "q": "trou"})
    response = client.post("/demandes/recherches/", {"name": "  Nord   récent ", "query": query, "target": "live"})
    assert response.status_code == 302
    saved = SavedSearch.objects.get()
    assert saved.name == "Nord récent"
    assert dict(parse_qsl(saved.query)) == {"district": str(town["north"].pk), "sort": "received", "q": "trou"}
    dashboard = client.get("/").content.decode()
    assert "Nord récent" in dashboard and saved.get_absolute_url().replace("&", "&amp;") in dashboard
    again = client.post("/demandes/recherches/", {"name": "Nord récent", "query": query}, follow=True)
    assert "déjà une recherche nommée" in again.content.decode()
    unnamed = client.post("/demandes/recherches/", {"name": " ", "query": query}, follow=True)
    assert "Donnez un nom" in unnamed.content.decode()
    assert SavedSearch.objects.count() == 1


def test_only_its_owner_deletes_a_saved_search(client, central):
    saved = SavedSearch.objects.create(owner=central, name="Mes urgences", query="priority=3")
    client.force_login(CentralFactory(username="autre"))
    assert client.post(f"/demandes/recherches/{saved.pk}/supprimer/").status_code == 404
    assert client.get(f"/demandes/recherches/{saved.pk}/supprimer/").status_code == 405
    client.force_login(central)
    client.post(f"/demandes/recherches/{saved.pk}/supprimer/")
    assert not SavedSearch.objects.exists()


def test_a_saved_search_never_shows_more_than_its_owner_may_see(client, town):
    agent = AgentFactory(services=[town["parks"]])
    saved = SavedSearch.objects.create(owner=agent, name="Tout", query="")
    client.force_login(agent)
    assert set(_subjects(client, saved.get_absolute_url())) == {"A", "B"}


def test_the_list_costs_the_same_queries_with_words_and_sorts(client, central, django_assert_max_num_queries):
    for n in range(30):
        ServiceRequestFactory(created_by=central, subject=f"Lampadaire {n}")
    client.force_login(central)
    for params in ({"q": "lampadaire"}, {"sort": "due"}, {"sort": "-received", "fin": "1"}):
        with django_assert_max_num_queries(16):
            client.get("/demandes/", params)
