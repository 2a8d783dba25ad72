"""/compte/: each user chooses how alerts reach them; bad input changes nothing."""

import pytest

from eusp.accounts.models import AlertMode
from tests.factories import ElectedFactory

pytestmark = pytest.mark.django_db


def test_a_user_switches_to_the_daily_digest_and_back(client):
    elu = ElectedFactory(email="elu@ville.test")
    client.force_login(elu)
    page = client.get("/compte/").content.decode()
    assert "Un récapitulatif par jour" in page and "elu@ville.test" in page
    response = client.post("/compte/", {"alert_mode": "digest"}, follow=True)
    assert "Vos préférences sont enregistrées." in response.content.decode()
    elu.refresh_from_db()
    assert elu.alert_mode == AlertMode.DIGEST
    client.post("/compte/", {"alert_mode": "immediate"})
    elu.refresh_from_db()
    assert elu.alert_mode == AlertMode.IMMEDIATE


@pytest.mark.parametrize("data", [{}, {"alert_mode": "hourly"}, {"alert_mode": "x" * 5000}])
def test_a_bad_choice_is_refused_in_french_and_changes_nothing(client, data):
    elu = ElectedFactory(alert_mode=AlertMode.DIGEST)
    client.force_login(elu)
    response = client.post("/compte/", data)
    assert response.status_code == 400
    page = response.content.decode()
    assert "Choisissez l&#x27;une des deux façons" in page or "Ce champ est obligatoire" in page
    elu.refresh_from_db()
    assert elu.alert_mode == AlertMode.DIGEST


def test_the_page_needs_a_login(client):
    response = client.get("/compte/")
    assert response.status_code == 302 and response["Location"].startswith("/connexion/")
