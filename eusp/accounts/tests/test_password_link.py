"""The password link: « Mot de passe oublié ? » answers the same for every address and sends
at most one link per user per five minutes; the link works once, for an active account,
with the project's password rules."""

import re
import threading
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test import Client
from django.utils import timezone
from django.utils.http import urlsafe_base64_encode

from eusp.accounts.password_link import password_forgotten_request, password_link_send, password_link_url
from eusp.administration.models import AdminChange
from eusp.notifications.models import OutboxMessage
from tests.factories import AgentFactory, CentralFactory, ElectedFactory

pytestmark = pytest.mark.django_db

LINK = re.compile(r"https?://\S+/compte/mot-de-passe/\S+/\S+/")
OLD_PASSWORD = "motdepasse-de-test"  # the factories' password
NEW_PASSWORD = "une phrase de passe assez longue"
NEUTRAL = "Si un compte actif correspond à cette adresse, un lien pour choisir un nouveau mot de passe"


def text(response) -> str:
    return response.content.decode().replace("&#x27;", "'").replace("&quot;", '"')


def forgotten(client, email: str):
    return client.post("/compte/mot-de-passe-oublie/", {"email": email}, follow=True)


def links_to(user) -> list[str]:
    return [LINK.search(m.body_text).group(0) for m in OutboxMessage.objects.filter(recipient=user).order_by("pk")]


def open_link(client, link: str):
    """Follow the mailed link: the token is checked, then kept in the session."""
    response = client.get(urlsplit(link).path)
    if response.status_code == 302:
        return response["Location"], client.get(response["Location"])
    return None, response


def test_the_login_page_offers_the_forgotten_password_page(client):
    page = text(client.get("/connexion/"))
    assert 'href="/compte/mot-de-passe-oublie/"' in page and "Mot de passe oublié ?" in page
    assert client.get("/compte/mot-de-passe-oublie/").status_code == 200


def test_the_answer_is_the_same_whether_or_not_the_address_has_an_account(client):
    user = ElectedFactory(email="elu@ville.test")
    AgentFactory(email="parti@ville.test", is_active=False)
    answers = [forgotten(client, address) for address in ("ELU@ville.test", "personne@ville.test", "parti@ville.test")]
    assert {response.status_code for response in answers} == {200}
    assert {response.redirect_chain[-1][0] for response in answers} == {"/connexion/"}
    for response in answers:
        assert NEUTRAL in text(response)
    # Only the active account got a link, whatever the case of the address typed.
    assert OutboxMessage.objects.count() == 1
    message = OutboxMessage.objects.get()
    assert message.recipient == user and message.to == "elu@ville.test" and LINK.search(message.body_text)
    assert "Vous avez demandé à changer votre mot de passe" in message.body_text
    change = AdminChange.objects.get()
    assert change.action == AdminChange.Action.RESET_LINK and change.actor is None
    assert change.target_id == str(user.pk) and "Mot de passe oublié" in change.note


def test_one_link_per_user_per_five_minutes(client):
    user = ElectedFactory(email="elu@ville.test")
    for _attempt in range(3):
        assert NEUTRAL in text(forgotten(client, "elu@ville.test"))
    assert len(links_to(user)) == 1
    # After five minutes, another one may leave.
    AdminChange.objects.update(at=timezone.now() - timedelta(minutes=5, seconds=1))
    forgotten(client, "elu@ville.test")
    assert len(links_to(user)) == 2


def test_a_link_sent_by_the_central_service_counts_too(central):
    user = ElectedFactory(email="elu@ville.test")
    password_link_send(user, actor=central)
    assert password_forgotten_request(email="elu@ville.test") == 0
    assert len(links_to(user)) == 1


@pytest.mark.parametrize("email", ["", "pas-une-adresse", "a@b", "x" * 300 + "@ville.test"])
def test_a_malformed_address_is_refused_in_french(client, email):
    ElectedFactory(email="elu@ville.test")
    response = client.post("/compte/mot-de-passe-oublie/", {"email": email})
    assert response.status_code == 400
    assert "Aucun lien n'a été envoyé" in text(response)
    assert not OutboxMessage.objects.exists()


def test_the_link_sets_a_password_once(client):
    user = AgentFactory(username="agent1", email="agent1@ville.test")
    password_link_send(user, actor=CentralFactory())
    [link] = links_to(user)
    form_url, page = open_link(client, link)
    assert form_url.endswith("/choisir/") and "agent1" in text(page)
    assert "au minimum 12 caractères" in text(page)  # the validators' rules are shown
    response = client.post(form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/connexion/"
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD) and not user.check_password(OLD_PASSWORD)
    # Used: the same link (and the session's copy) no longer works.
    assert "Ce lien ne fonctionne pas" in text(open_link(Client(), link)[1])
    assert "Ce lien ne fonctionne pas" in text(client.get(form_url))


@pytest.mark.parametrize(
    "password, confirmation, message",
    [
        ("court-1", "court-1", "Ce mot de passe est trop court"),
        ("123456789012345", "123456789012345", "Ce mot de passe est entièrement numérique"),
        ("agent1@ville.test", "agent1@ville.test", "Le mot de passe est trop semblable"),
        ("password1234", "password1234", "Ce mot de passe est trop courant"),
        (NEW_PASSWORD, NEW_PASSWORD + "!", "Les deux mots de passe ne correspondent pas"),
    ],
)
def test_the_projects_password_rules_apply(client, password, confirmation, message):
    user = AgentFactory(username="agent1")
    password_link_send(user, actor=CentralFactory())
    form_url, _page = open_link(client, links_to(user)[0])
    response = client.post(form_url, {"new_password1": password, "new_password2": confirmation})
    assert response.status_code == 200
    assert message in text(response).replace("’", "'")
    assert "Le mot de passe n'a pas été enregistré" in text(response)
    user.refresh_from_db()
    assert user.check_password(OLD_PASSWORD)


def test_a_deactivated_accounts_link_is_refused(client):
    user = AgentFactory(email="agent@ville.test")
    password_link_send(user, actor=CentralFactory())
    [link] = links_to(user)
    form_url, _page = open_link(client, link)  # opened while active
    type(user).objects.filter(pk=user.pk).update(is_active=False)
    assert "Ce lien ne fonctionne pas" in text(open_link(Client(), link)[1])
    response = client.post(form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert "Ce lien ne fonctionne pas" in text(response)
    user.refresh_from_db()
    assert user.check_password(OLD_PASSWORD)


def test_a_link_stops_working_once_the_user_has_logged_in(client):
    user = AgentFactory(username="agent1")
    link = password_link_url(user)
    assert client.post("/connexion/", {"username": "agent1", "password": OLD_PASSWORD}).status_code == 302
    assert "Ce lien ne fonctionne pas" in text(open_link(Client(), link)[1])


@pytest.mark.parametrize(
    "path",
    [
        "/compte/mot-de-passe/{uid}/abc-123/",  # the right account, a made-up token
        "/compte/mot-de-passe/!!!/choisir/",
        "/compte/mot-de-passe/OTk5OTk5OTk5OTk5OTk5OTk5OTk5OQ/abc/",  # 99…9: past any id
        "/compte/mot-de-passe/bm90LWEtbnVtYmVy/abc/",  # "not-a-number"
        "/compte/mot-de-passe/{uid}/choisir/",  # no token in the session
    ],
)
def test_a_crafted_link_is_refused_without_error(client, path):
    user = AgentFactory()
    path = path.format(uid=urlsafe_base64_encode(str(user.pk).encode()))
    response = client.get(path)
    assert response.status_code == 200 and "Ce lien ne fonctionne pas" in text(response)
    response = client.post(path, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert response.status_code == 200 and "Ce lien ne fonctionne pas" in text(response)
    user.refresh_from_db()
    assert user.check_password(OLD_PASSWORD)


def test_the_service_refuses_what_cannot_be_sent():
    central = CentralFactory()
    with pytest.raises(ValidationError, match="désactivé"):
        password_link_send(AgentFactory(is_active=False), actor=central)
    with pytest.raises(ValidationError, match="pas d'adresse e-mail"):
        password_link_send(AgentFactory(email=""), actor=central)
    with pytest.raises(PermissionDenied):
        password_link_send(AgentFactory(), actor=ElectedFactory())
    assert not OutboxMessage.objects.exists() and not AdminChange.objects.exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_requests_at_the_same_moment_send_one_link(no_delivery_task):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (set DATABASE_URL): row locks between connections")
    user = ElectedFactory(email="elu@ville.test")
    barrier = threading.Barrier(4)

    def ask() -> None:
        try:
            barrier.wait(timeout=5)
            password_forgotten_request(email="elu@ville.test")
        finally:
            connection.close()

    threads = [threading.Thread(target=ask) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)
    assert len(links_to(user)) == 1
