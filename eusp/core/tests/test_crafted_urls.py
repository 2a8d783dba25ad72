"""Crafted URLs: a NUL character anywhere in the query gets a French 400 page, on every
page (PostgreSQL would otherwise fail on it), and changes nothing."""

import pytest

pytestmark = pytest.mark.django_db

URLS = [
    "/demandes/?q=%00",
    "/demandes/?state=%00",
    "/demandes/?page=1%00",
    "/archives/?q=a%00b",
    "/administration/courriels/?q=%00",
    "/administration/courriels/?etat=%00",
    "/?x%00=1",
    "/demandes/2026-00001%00/",
]


@pytest.mark.parametrize("url", URLS)
def test_a_nul_character_gets_a_bad_request_page_in_french(client, central, url):
    client.force_login(central)
    response = client.get(url)
    assert response.status_code in (400, 404)
    if response.status_code == 400:
        assert "Requête incorrecte" in response.content.decode()


def test_a_nul_character_is_refused_before_login_too(client):
    response = client.get("/connexion/?next=/%00")
    assert response.status_code == 400
