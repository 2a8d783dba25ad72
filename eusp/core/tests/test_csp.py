"""Content-Security-Policy: every page, fragment included, forbids inline scripts and
framing; the state colours come from a stylesheet, not from inline styles."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from eusp.directory.models import State
from tests.factories import ServiceRequestFactory

pytestmark = pytest.mark.django_db


def directives(response) -> dict[str, list[str]]:
    policy = response["Content-Security-Policy"]
    return {name: values for name, *values in (part.split() for part in policy.split(";") if part.strip())}


def assert_strict_policy(response) -> None:
    policy = directives(response)
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["object-src"] == ["'none'"]
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]
    assert "'unsafe-eval'" not in response["Content-Security-Policy"]


def test_the_login_page_has_the_policy(client):
    response = client.get("/connexion/")
    assert response.status_code == 200
    assert_strict_policy(response)


@pytest.mark.parametrize("url", ["/", "/demandes/", "/demandes/?q=poule", "/statistiques/"])
def test_pages_have_the_policy(client, central, url):
    ServiceRequestFactory(created_by=central)
    client.force_login(central)
    response = client.get(url)
    assert response.status_code == 200
    assert_strict_policy(response)


def test_htmx_fragments_have_the_policy(client, central):
    ServiceRequestFactory(created_by=central, subject="Nid de poule rue Haute")
    client.force_login(central)
    response = client.get("/demandes/recherche-rapide/?q=poule", headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert "Nid de poule" in response.content.decode()
    assert_strict_policy(response)


def test_state_badges_carry_no_inline_style(client, central):
    sr = ServiceRequestFactory(created_by=central)
    client.force_login(central)
    for url in ("/demandes/", sr.get_absolute_url()):
        html = client.get(url).content.decode()
        assert f'class="state-badge" data-state="{sr.state.pk}"' in html
        assert "style=" not in html


def test_the_state_colours_stylesheet_lists_each_state_in_one_query(client, central):
    state = State.objects.first()
    State.objects.filter(pk=state.pk).update(colour="#1f6feb")
    client.force_login(central)
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/etats.css")
    assert len([q for q in queries if "directory_state" in q["sql"]]) == 1
    assert response["Content-Type"] == "text/css; charset=utf-8"
    assert "max-age=300" in response["Cache-Control"]
    assert f'.state-badge[data-state="{state.pk}"] {{ --state-colour: #1f6feb; }}' in response.content.decode()


def test_a_colour_that_is_not_a_hex_code_never_reaches_the_stylesheet(client, central):
    state = State.objects.first()
    State.objects.filter(pk=state.pk).update(colour="red;}*")
    client.force_login(central)
    css = client.get("/etats.css").content.decode()
    assert f'data-state="{state.pk}"' not in css
    assert "red" not in css
