"""Every page and action of /administration/, found from the URL configuration itself (a
page added later is covered without editing this file): the central service only; an élu
or an agent gets 403 for GET and POST, an anonymous visitor the login page; nothing changes."""

import pytest
from django.urls import URLPattern, get_resolver

from eusp.administration.models import AdminChange
from eusp.core.models import CitySettings
from tests.factories import OriginFactory, ServiceRequestFactory

pytestmark = pytest.mark.django_db

# A value for each kind of URL argument, so that every pattern can be requested.
SAMPLE_ARGUMENTS = {
    "int": "1",
    "slug": "origines",
    "str": "x",
    "path": "x",
    "uuid": "00000000-0000-0000-0000-0000000000",
}


def _administration_patterns() -> list[str]:
    resolver = get_resolver()
    [(prefix, namespace_resolver)] = [
        (pattern.pattern, pattern)
        for pattern in resolver.url_patterns
        if getattr(pattern, "namespace", "") == "administration"
    ]
    urls = []
    for pattern in namespace_resolver.url_patterns:
        assert isinstance(pattern, URLPattern)
        route = str(pattern.pattern)
        for converter, value in SAMPLE_ARGUMENTS.items():
            while f"<{converter}:" in route:
                start = route.index(f"<{converter}:")
                route = route[:start] + value + route[route.index(">", start) + 1 :]
        urls.append(f"/{prefix}{route}")
    return urls


URLS = _administration_patterns()


def test_the_matrix_covers_every_administration_area():
    areas = {url.split("/")[2] for url in URLS}
    assert {"", "courriels", "utilisateurs", "listes", "parametres", "donnees-personnelles", "journal"} <= areas


@pytest.fixture
def world(central):
    """Something for every URL to act upon, so a missing check would change data."""
    OriginFactory(name="Origine de test")
    ServiceRequestFactory(created_by=central, requester_email="jeanne@example.org")
    return central


@pytest.mark.parametrize("url", URLS)
@pytest.mark.parametrize("who", ["elected", "agent"])
@pytest.mark.parametrize("method", ["get", "post"])
def test_an_elu_or_an_agent_gets_403_and_changes_nothing(client, request, world, who, method, url):
    user = request.getfixturevalue(who)
    client.force_login(user)
    settings_before = list(CitySettings.objects.values())
    response = getattr(client, method)(url, {"confirmer": "1", "name": "Piraté", "city_name": "Piratée"})
    assert response.status_code == 403, url
    assert not AdminChange.objects.exists()
    assert list(CitySettings.objects.values()) == settings_before
    user.refresh_from_db()
    assert user.is_active


@pytest.mark.parametrize("url", URLS)
def test_an_anonymous_visitor_is_sent_to_the_login_page(client, url):
    for method in ("get", "post"):
        response = getattr(client, method)(url)
        assert response.status_code == 302 and response["Location"].startswith("/connexion/"), url


@pytest.mark.parametrize("url", URLS)
def test_a_deactivated_central_account_gets_nowhere(client, world, url):
    world.is_active = False
    world.save()
    client.force_login(world)
    response = client.get(url)
    assert response.status_code in (302, 403), url


def test_the_services_behind_the_pages_refuse_an_elu_or_an_agent_too(world, agent, elected):
    """A command or the future API calls the services, not the pages: they ask the same rule."""
    from django.core.exceptions import PermissionDenied

    from eusp.administration.city.services import city_settings_update
    from eusp.administration.reference.registry import kind_get
    from eusp.administration.reference.services import reference_create
    from eusp.casework.models import ServiceRequest
    from eusp.casework.services.anonymisation import Reason, requests_anonymise
    from eusp.casework.services.requester_data import requester_access_export
    from eusp.directory.models import Origin

    origins = kind_get("origines")
    requests = ServiceRequest.objects.all()
    attempts = [
        lambda actor: city_settings_update(actor=actor, changed={"retention_months": 1}, confirm_retention=True),
        lambda actor: reference_create(kind=origins, data={"name": "Piratée"}, actor=actor),
        lambda actor: requester_access_export(requests, actor=actor),
        lambda actor: requests_anonymise(requests, actor=actor, reason=Reason.ERASURE),
    ]
    for actor in (agent, elected):
        for attempt in attempts:
            with pytest.raises(PermissionDenied):
                attempt(actor)
    assert CitySettings.objects.get().retention_months == 36
    assert not Origin.objects.filter(name="Piratée").exists()
    assert ServiceRequest.objects.get().requester_email == "jeanne@example.org"
    assert not AdminChange.objects.exists()
