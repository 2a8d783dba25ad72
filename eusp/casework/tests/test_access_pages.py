"""The access rule page by page: real HTTP through the test client and every middleware.

Three requests, each visible to a different set of people:

* ``by_elected``: created by the élu of the ``elected`` fixture, followed by the Parcs service;
* ``for_roads``: created by the central service, instructed by Voirie (the ``agent`` fixture's service);
* ``foreign``: created by another élu, followed by Parcs — only the central service sees it.

For every profile and page, the requests the profile may see are there and the others
never appear: neither their reference, nor their subject, nor the requester's name.
"""

import re
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
from django.contrib.auth.models import Permission
from django.utils import timezone

from eusp.casework.models import ReferenceCounter, ServiceRequest
from eusp.directory.models import State
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

LOGIN = "/connexion/"
ADMIN_LOGIN = "/django-admin/login/"
# Which of the three requests each profile may see.
VISIBLE = {
    "central": {"by_elected", "for_roads", "foreign"},
    "elected": {"by_elected"},
    "agent": {"for_roads"},
}
PROFILES = list(VISIBLE)


@pytest.fixture
def site(central, elected, agent, voirie):
    parks = ServiceFactory(name="Parcs et jardins")
    other_elected = ElectedFactory(username="elu-autre")
    requests = {
        "by_elected": ServiceRequestFactory(
            created_by=elected,
            subject="Banc descelle square Pasteur",
            requester_last_name="Abelard",
            instructing_service=parks,
            executing_service=parks,
            district=DistrictFactory(name="Quartier Nord"),
        ),
        "for_roads": ServiceRequestFactory(
            created_by=central,
            subject="Affaissement chaussee rue Voltaire",
            requester_last_name="Bergeron",
            instructing_service=voirie,
            executing_service=parks,
            district=DistrictFactory(name="Quartier Sud"),
        ),
        "foreign": ServiceRequestFactory(
            created_by=other_elected,
            referent_official=other_elected,
            subject="Tag sur le mur de la mediatheque",
            requester_last_name="Castagnier",
            instructing_service=parks,
            executing_service=parks,
            district=DistrictFactory(name="Quartier Est"),
        ),
    }
    return {"requests": requests, "parks": parks, "other_elected": other_elected, "voirie": voirie}


def _markers(sr: ServiceRequest) -> list[str]:
    """What would betray that a request exists."""
    return [sr.reference, sr.subject, sr.requester_last_name]


def _assert_only_visible(body: str, site, profile: str, *, own_listed: bool = True, typed: str = "") -> None:
    """``typed`` is what the user put in the URL: pages may echo it (language switcher's
    ``next``, pagination links), so it is not evidence; the request's other markers are."""
    for key, sr in site["requests"].items():
        if key in VISIBLE[profile]:
            if own_listed:
                assert sr.reference in body, f"{profile} should see {key}"
                assert sr.subject in body, f"{profile} should see {key}"
        else:
            for marker in _markers(sr):
                if marker not in typed:
                    assert marker not in body, f"{profile} must not see {key} ({marker!r})"


HTMX = {"HX-Request": "true"}


def _state_initial(site) -> str:
    return str(State.objects.get(is_initial=True).pk)


# id -> (query string builder, extra headers, whether every visible request must be listed)
LIST_PAGES = {
    "dashboard": ("/", lambda site: "", {}, True),
    "list": ("/demandes/", lambda site: "", {}, True),
    "list-phase": ("/demandes/", lambda site: "phase=open", {}, True),
    "list-state": ("/demandes/", lambda site: f"state={_state_initial(site)}", {}, True),
    # Filters that select exactly the requests a profile must not see.
    "list-service": ("/demandes/", lambda site: f"service={site['parks'].pk}", {}, False),
    "list-referent": ("/demandes/", lambda site: f"referent_official={site['other_elected'].pk}", {}, False),
    "list-district": ("/demandes/", lambda site: f"district={site['requests']['foreign'].district_id}", {}, False),
    "list-q-reference": ("/demandes/", lambda site: f"q={site['requests']['foreign'].reference}", {}, False),
    "list-q-subject": ("/demandes/", lambda site: urlencode({"q": site["requests"]["for_roads"].subject}), {}, False),
    "list-q-requester": (
        "/demandes/",
        lambda site: urlencode({"q": site["requests"]["foreign"].requester_name}),
        {},
        False,
    ),
    "list-q-htmx": ("/demandes/", lambda site: urlencode({"q": site["requests"]["foreign"].subject}), HTMX, False),
    "list-sorted-last": ("/demandes/", lambda site: "sort=due&fin=1", {}, True),
    "quick-search-subject": (
        "/demandes/recherche-rapide/",
        lambda site: urlencode({"q": site["requests"]["foreign"].subject}),
        HTMX,
        False,
    ),
    "quick-search-reference": (
        "/demandes/recherche-rapide/",
        lambda site: f"q={site['requests']['foreign'].reference}",
        HTMX,
        False,
    ),
    "advanced": ("/demandes/recherche/", lambda site: urlencode({"q": site["requests"]["foreign"].subject}), {}, False),
    "advanced-field": (
        "/demandes/recherche/",
        lambda site: urlencode({"q": site["requests"]["foreign"].requester_last_name, "field": "demandeur"}),
        {},
        False,
    ),
    "archives-q": ("/archives/", lambda site: urlencode({"q": site["requests"]["foreign"].subject}), {}, False),
    "list-page-2": ("/demandes/", lambda site: "page=2", {}, False),
    "list-page-999": ("/demandes/", lambda site: "page=999", {}, False),
    # The list's htmx fragment (filters applied without a page reload).
    "list-htmx": ("/demandes/", lambda site: "", HTMX, True),
    "list-htmx-filtered": ("/demandes/", lambda site: f"service={site['parks'].pk}&phase=open", HTMX, False),
    # The creation form's htmx fragment (category → services).
    "services-htmx": (
        "/demandes/nouvelle/services/",
        lambda site: f"category={site['requests']['foreign'].category_id}",
        HTMX,
        False,
    ),
}


# --- Anonymous visitors -------------------------------------------------------------------


ANONYMOUS_URLS = [
    "/",
    "/demandes/",
    "/demandes/?phase=open",
    "/demandes/nouvelle/",
    "/demandes/nouvelle/services/",
]


@pytest.mark.parametrize("url", ANONYMOUS_URLS)
def test_anonymous_is_sent_to_the_login_page(client, site, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(f"{LOGIN}?next=")


@pytest.mark.parametrize("key", ["by_elected", "foreign", "missing"])
def test_anonymous_is_sent_to_the_login_page_from_any_sheet(client, site, key):
    reference = f"{timezone.localdate().year}-99999" if key == "missing" else site["requests"][key].reference
    response = client.get(f"/demandes/{reference}/")
    assert response.status_code == 302
    assert response["Location"].startswith(f"{LOGIN}?next=")


def test_anonymous_post_creates_nothing(client, site):
    before = ServiceRequest.objects.count()
    response = client.post("/demandes/nouvelle/", _form_data())
    assert response.status_code == 302
    assert response["Location"].startswith(f"{LOGIN}?next=")
    assert ServiceRequest.objects.count() == before


@pytest.mark.parametrize(
    "url",
    ["/django-admin/", "/django-admin/casework/servicerequest/", "/django-admin/casework/servicerequest/1/change/"],
)
def test_anonymous_gets_no_admin_page(client, site, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith((f"{LOGIN}?next=", f"{ADMIN_LOGIN}?next="))


# --- Lists, dashboard, fragments ----------------------------------------------------------


@pytest.mark.parametrize("page", LIST_PAGES)
@pytest.mark.parametrize("profile", PROFILES)
def test_lists_show_only_what_the_profile_may_see(client, request, site, profile, page):
    path, query, headers, own_listed = LIST_PAGES[page]
    query = query(site)
    client.force_login(request.getfixturevalue(profile))
    response = client.get(f"{path}?{query}" if query else path, headers=headers)
    if response.status_code == 302:
        # A reference typed in the search opens that request: only for those who may see it.
        assert page == "list-q-reference" and profile == "central"
        assert response["Location"] == site["requests"]["foreign"].get_absolute_url()
        return
    if path.startswith("/demandes/nouvelle/") and profile == "agent":
        assert response.status_code == 403
    else:
        assert response.status_code == 200
    typed = dict(parse_qsl(query)).get("q", "")
    own_listed = own_listed and response.status_code == 200
    _assert_only_visible(response.content.decode(), site, profile, own_listed=own_listed, typed=typed)


def test_the_dashboard_counts_only_visible_requests(client, site, elected, agent, central):
    for user, expected in ((elected, 1), (agent, 1), (central, 3)):
        client.force_login(user)
        sections = {s["key"]: s for s in client.get("/").context["sections"]}
        assert sections["awaiting"]["count"] == expected
        assert len(sections["latest"]["rows"]) == expected


@pytest.mark.parametrize("profile", PROFILES)
def test_the_list_count_is_that_of_visible_requests(client, request, site, profile):
    client.force_login(request.getfixturevalue(profile))
    response = client.get("/demandes/")
    assert response.context["count"] == len(VISIBLE[profile])
    assert len(response.context["page"]["rows"]) == len(VISIBLE[profile])


def test_archived_requests_stay_out_of_the_live_list_but_keep_their_sheet(client, site, elected):
    sr = site["requests"]["by_elected"]
    ServiceRequest.objects.filter(pk=sr.pk).update(is_archived=True, archived_at=timezone.now())
    client.force_login(elected)
    assert sr.reference not in client.get("/demandes/").content.decode()
    assert client.get(f"/demandes/{sr.reference}/").status_code == 200


# --- The follow-up sheet ------------------------------------------------------------------


@pytest.mark.parametrize("key", ["by_elected", "for_roads", "foreign"])
@pytest.mark.parametrize("profile", PROFILES)
def test_the_sheet_opens_only_for_those_who_may_see_it(client, request, site, profile, key):
    sr = site["requests"][key]
    client.force_login(request.getfixturevalue(profile))
    response = client.get(f"/demandes/{sr.reference}/")
    body = response.content.decode()
    if key in VISIBLE[profile]:
        assert response.status_code == 200
        assert sr.reference in body
        assert sr.subject in body
    else:
        assert response.status_code == 404
        # The reference is what the user typed (the 404 page's language switcher echoes the
        # URL); the request's other markers would be a leak.
        for marker in _markers(sr):
            if marker != sr.reference:
                assert marker not in body


def _without_csrf(body: str) -> str:
    return re.sub(r'(csrfmiddlewaretoken" value=|csrf-token" content=)"[^"]*"', r"\1", body)


@pytest.mark.parametrize("profile", ["elected", "agent"])
def test_a_hidden_request_answers_like_a_missing_one(client, request, site, profile):
    """No existence leak: same status, same page, whether the reference exists or not."""
    client.force_login(request.getfixturevalue(profile))
    hidden = site["requests"]["foreign"].reference
    missing = f"{timezone.localdate().year}-99999"
    hidden_response = client.get(f"/demandes/{hidden}/")
    missing_response = client.get(f"/demandes/{missing}/")
    assert hidden_response.status_code == missing_response.status_code == 404
    hidden_body = _without_csrf(hidden_response.content.decode()).replace(hidden, "REF")
    missing_body = _without_csrf(missing_response.content.decode()).replace(missing, "REF")
    assert hidden_body == missing_body


# --- Creation -----------------------------------------------------------------------------


def _form_data(**overrides) -> dict:
    data = {
        "requester_civility": "mme",
        "requester_last_name": "Lefevre",
        "requester_first_name": "Anne",
        "requester_address": "3 rue des Ecoles",
        "origin": OriginFactory(name="Courrier").pk,
        "received_on": timezone.localdate().isoformat(),
        "category": CategoryFactory(name="Voirie - nid de poule").pk,
        "subject": "Trou devant l'ecole",
        "description": "Devant le n°3.",
        "district": DistrictFactory(name="Centre").pk,
    }
    data.update(overrides)
    return data


@pytest.mark.parametrize(("profile", "status"), [("central", 200), ("elected", 200), ("agent", 403)])
def test_only_central_and_elected_open_the_creation_form(client, request, site, profile, status):
    client.force_login(request.getfixturevalue(profile))
    assert client.get("/demandes/nouvelle/").status_code == status
    assert client.get("/demandes/nouvelle/services/").status_code == status


def test_a_post_by_an_agent_creates_nothing(client, site, agent):
    before = ServiceRequest.objects.count()
    counters = list(ReferenceCounter.objects.values_list("year", "last_number"))
    client.force_login(agent)
    response = client.post("/demandes/nouvelle/", _form_data(instructing_service=site["voirie"].pk))
    assert response.status_code == 403
    assert ServiceRequest.objects.count() == before
    assert list(ReferenceCounter.objects.values_list("year", "last_number")) == counters  # no number burnt


@pytest.mark.parametrize("profile", ["central", "elected"])
def test_central_and_elected_create_and_land_on_their_sheet(client, request, site, profile):
    user = request.getfixturevalue(profile)
    client.force_login(user)
    response = client.post("/demandes/nouvelle/", _form_data())
    assert response.status_code == 302
    sr = ServiceRequest.objects.get(subject="Trou devant l'ecole")
    assert sr.created_by == user
    assert response["Location"] == f"/demandes/{sr.reference}/"
    assert client.get(response["Location"]).status_code == 200


def test_an_inactive_user_is_logged_out(client, site, elected):
    client.force_login(elected)
    elected.is_active = False
    elected.save(update_fields=["is_active"])
    response = client.get(f"/demandes/{site['requests']['by_elected'].reference}/")
    assert response.status_code == 302
    assert response["Location"].startswith(f"{LOGIN}?next=")


# --- Django admin -------------------------------------------------------------------------


@pytest.fixture
def admin_urls(site):
    sr = site["requests"]
    return [
        "/django-admin/",
        "/django-admin/casework/servicerequest/",
        f"/django-admin/casework/servicerequest/?q={sr['foreign'].reference}",
        f"/django-admin/casework/servicerequest/{sr['by_elected'].pk}/change/",
        f"/django-admin/casework/servicerequest/{sr['for_roads'].pk}/change/",
        f"/django-admin/casework/servicerequest/{sr['foreign'].pk}/change/",
        "/django-admin/accounts/user/",
    ]


@pytest.mark.parametrize("flags", ["plain", "staff", "superuser"])
@pytest.mark.parametrize("profile", ["elected", "agent"])
def test_elected_and_agents_get_no_admin_even_if_flagged_staff(client, request, site, admin_urls, profile, flags):
    """The admin is the central service's: a staff or superuser flag set by mistake opens nothing."""
    user = request.getfixturevalue(profile)
    user.is_staff = flags in ("staff", "superuser")
    user.is_superuser = flags == "superuser"
    user.save()
    client.force_login(user)
    for url in admin_urls:
        response = client.get(url)
        assert response.status_code in (302, 403), url
        if response.status_code == 302:
            assert response["Location"].startswith(f"{ADMIN_LOGIN}?next="), url
        body = client.get(url, follow=True).content.decode()
        typed = next((v for k, v in parse_qsl(urlsplit(url).query) if k == "q"), "")
        for sr in site["requests"].values():
            for marker in _markers(sr):
                if marker not in typed:  # the login page's ``next`` echoes the URL typed
                    assert marker not in body, (url, marker)


def test_central_without_the_staff_flag_gets_no_admin(client, site, admin_urls, central):
    client.force_login(central)
    for url in admin_urls:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(f"{ADMIN_LOGIN}?next=")


def test_central_administrator_sees_every_request_in_the_admin(client, site, admin_urls):
    administrator = CentralFactory(username="admin-central", is_staff=True, is_superuser=True)
    client.force_login(administrator)
    for url in admin_urls:
        assert client.get(url).status_code == 200, url
    listing = client.get("/django-admin/casework/servicerequest/").content.decode()
    for sr in site["requests"].values():
        assert sr.reference in listing
        change = client.get(f"/django-admin/casework/servicerequest/{sr.pk}/change/").content.decode()
        assert sr.subject in change


def test_central_administrator_cannot_write_requests_through_the_admin(client, site):
    """The admin is read-only for requests: writes go through the services (timeline)."""
    administrator = CentralFactory(username="admin-central", is_staff=True, is_superuser=True)
    sr = site["requests"]["foreign"]
    client.force_login(administrator)
    assert client.get("/django-admin/casework/servicerequest/add/").status_code == 403
    response = client.post(f"/django-admin/casework/servicerequest/{sr.pk}/change/", {"subject": "Modifié"})
    assert response.status_code == 403
    assert client.post(f"/django-admin/casework/servicerequest/{sr.pk}/delete/", {"post": "yes"}).status_code == 403
    sr.refresh_from_db()
    assert sr.subject == "Tag sur le mur de la mediatheque"
    assert ServiceRequest.objects.filter(pk=sr.pk).exists()


def test_an_agent_in_two_services_lists_both(client, site, voirie):
    agent = AgentFactory(username="agent-deux", services=[voirie, site["parks"]])
    client.force_login(agent)
    body = client.get("/demandes/").content.decode()
    for sr in site["requests"].values():
        assert sr.reference in body


def test_admin_change_page_needs_the_django_view_permission_too(client, site):
    """A central staff member without the « view request » permission gets neither the list
    nor a request's page: the object-level rule narrows Django's permissions, never widens them."""
    staff = CentralFactory(username="central-staff", is_staff=True)
    sr = site["requests"]["foreign"]
    client.force_login(staff)
    assert client.get("/django-admin/casework/servicerequest/").status_code == 403
    response = client.get(f"/django-admin/casework/servicerequest/{sr.pk}/change/")
    assert response.status_code in (302, 403)
    assert sr.subject not in response.content.decode()

    staff.user_permissions.add(Permission.objects.get(codename="view_servicerequest"))
    staff = type(staff).objects.get(pk=staff.pk)  # permissions are cached on the instance
    client.force_login(staff)
    assert client.get("/django-admin/casework/servicerequest/").status_code == 200
    assert sr.subject in client.get(f"/django-admin/casework/servicerequest/{sr.pk}/change/").content.decode()
