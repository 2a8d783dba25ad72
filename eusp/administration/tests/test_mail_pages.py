"""/administration/courriels/: the central service sees the mail queue and resends; nobody
else gets in, by any URL or method."""

import pytest
from django.db import transaction
from django.utils import timezone

from eusp.notifications.delivery import outbox_flush
from eusp.notifications.models import OutboxMessage
from eusp.notifications.outbox import outbox_enqueue
from tests.factories import CentralFactory, ServiceRequestFactory

pytestmark = pytest.mark.django_db

Status = OutboxMessage.Status


def _mail(to: str, **fields) -> OutboxMessage:
    with transaction.atomic():
        message = outbox_enqueue(to=to, subject=f"Alerte pour {to}", text=f"Bonjour {to}", kind="alert")
    OutboxMessage.objects.filter(pk=message.pk).update(**fields)
    message.refresh_from_db()
    return message


PAGES = [
    ("get", "/administration/"),
    ("get", "/administration/courriels/"),
    ("get", "/administration/courriels/{pk}/"),
    ("post", "/administration/courriels/{pk}/renvoyer/"),
    ("post", "/administration/courriels/renvoyer-les-echecs/"),
]


@pytest.mark.parametrize("method, url", PAGES)
@pytest.mark.parametrize("who", ["elected", "agent"])
def test_only_the_central_service_gets_in(client, request, who, method, url, no_delivery_task):
    failed = _mail("a@ville.test", status=Status.FAILED, attempts=8, last_error="550 no such user")
    client.force_login(request.getfixturevalue(who))
    response = getattr(client, method)(url.format(pk=failed.pk))
    assert response.status_code == 403
    failed.refresh_from_db()
    assert failed.status == Status.FAILED  # nothing resent


@pytest.mark.parametrize("method, url", PAGES)
def test_anonymous_users_are_sent_to_the_login_page(client, method, url, no_delivery_task):
    response = getattr(client, method)(url.format(pk=1))
    assert response.status_code == 302 and response["Location"].startswith("/connexion/")


def test_an_inactive_central_user_is_refused(client, no_delivery_task):
    user = CentralFactory(is_active=False)
    client.force_login(user)
    assert client.get("/administration/courriels/").status_code in (302, 403)


def test_the_list_shows_each_status_with_the_error_and_filters(client, central, no_delivery_task):
    sr = ServiceRequestFactory(created_by=central)
    OutboxMessage.objects.all().delete()
    _mail("attente@ville.test", attempts=2, last_error="Connection refused")
    _mail("echec@ville.test", status=Status.FAILED, attempts=8, last_error="550 5.1.1 no such user")
    _mail("ok@ville.test", status=Status.SENT, sent_at=timezone.now(), service_request=sr)
    client.force_login(central)
    page = client.get("/administration/courriels/").content.decode()
    assert "En attente : 1 · en cours d'envoi : 0 · en échec : 1." in page
    for address in ("attente@ville.test", "echec@ville.test", "ok@ville.test"):
        assert address in page
    assert "550 5.1.1 no such user" in page and "Connection refused" in page
    assert f'href="/demandes/{sr.reference}/"' in page

    failed_only = client.get("/administration/courriels/?etat=failed").content.decode()
    assert "echec@ville.test" in failed_only and "ok@ville.test" not in failed_only
    by_reference = client.get(f"/administration/courriels/?q={sr.reference}").content.decode()
    assert "ok@ville.test" in by_reference and "echec@ville.test" not in by_reference
    by_address = client.get("/administration/courriels/?q=ECHEC@ville.test").content.decode()
    assert "echec@ville.test" in by_address and "ok@ville.test" not in by_address


@pytest.mark.parametrize(
    "query", ["?etat=nimporte", "?type=inconnu", "?page=-3", "?page=abc", "?page=99999999999", "?q=" + "x" * 5000]
)
def test_crafted_parameters_get_a_page_not_an_error(client, central, query):
    client.force_login(central)
    assert client.get("/administration/courriels/" + query).status_code == 200


def test_pages_go_on_without_counting(client, central, no_delivery_task):
    for n in range(51):
        _mail(f"a{n}@ville.test")
    client.force_login(central)
    first = client.get("/administration/courriels/").content.decode()
    assert 'rel="next"' in first and "a0@ville.test" not in first  # newest first
    second = client.get("/administration/courriels/?page=2").content.decode()
    assert "a0@ville.test" in second and 'rel="next"' not in second and 'rel="prev"' in second


def test_resending_a_failed_mail_delivers_it_and_keeps_the_filters(client, central, smtp_server):
    failed = _mail("agent@ville.test", status=Status.FAILED, attempts=8, last_error="SMTP down")
    client.force_login(central)
    response = client.post(
        f"/administration/courriels/{failed.pk}/renvoyer/", {"next": "/administration/courriels/?etat=failed"}
    )
    assert response["Location"] == "/administration/courriels/?etat=failed"
    outbox_flush()
    failed.refresh_from_db()
    assert (failed.status, failed.attempts) == (Status.SENT, 1)
    assert [m.rcpt_tos for m in smtp_server.messages] == [["agent@ville.test"]]


def test_a_foreign_next_url_is_ignored(client, central, no_delivery_task):
    failed = _mail("agent@ville.test", status=Status.FAILED)
    client.force_login(central)
    response = client.post(f"/administration/courriels/{failed.pk}/renvoyer/", {"next": "https://evil.example/"})
    assert response["Location"] == f"/administration/courriels/{failed.pk}/"


def test_resending_a_sent_mail_sends_a_copy_and_keeps_the_record(client, central, smtp_server):
    sent = _mail("usager@example.org", status=Status.SENT, sent_at=timezone.now())
    client.force_login(central)
    response = client.post(f"/administration/courriels/{sent.pk}/renvoyer/", follow=True)
    assert "Une copie du courriel à usager@example.org" in response.content.decode()
    again = client.post(f"/administration/courriels/{sent.pk}/renvoyer/", follow=True)  # a double click
    assert "Une copie de ce courriel est déjà en file d&#x27;envoi." in again.content.decode()
    outbox_flush()
    assert OutboxMessage.objects.filter(to="usager@example.org", status=Status.SENT).count() == 2
    assert len(smtp_server.messages) == 1
    copy = OutboxMessage.objects.get(copy_of=sent)
    assert "le courriel d'origine" in client.get(f"/administration/courriels/{copy.pk}/").content.decode()


def test_no_copy_for_a_deactivated_recipient(client, central, smtp_server):
    from tests.factories import AgentFactory

    agent = AgentFactory(email="parti@ville.test")
    sent = _mail("parti@ville.test", status=Status.SENT, sent_at=timezone.now(), recipient=agent)
    agent.is_active = False
    agent.save()
    client.force_login(central)
    response = client.post(f"/administration/courriels/{sent.pk}/renvoyer/", follow=True)
    assert "Le compte du destinataire est désactivé" in response.content.decode()
    assert not OutboxMessage.objects.filter(copy_of=sent).exists()


def test_resend_all_failed(client, central, smtp_server):
    for n in range(3):
        _mail(f"a{n}@ville.test", status=Status.FAILED, attempts=8)
    client.force_login(central)
    response = client.post("/administration/courriels/renvoyer-les-echecs/", follow=True)
    assert "3 courriels en échec remis en file d&#x27;envoi." in response.content.decode()
    outbox_flush()
    assert not OutboxMessage.objects.filter(status=Status.FAILED).exists()
    assert len(smtp_server.messages) == 3


def test_the_detail_shows_the_text_sent_and_the_error(client, central, no_delivery_task):
    failed = _mail("agent@ville.test", status=Status.FAILED, attempts=8, last_error="550 no such user")
    client.force_login(central)
    page = client.get(f"/administration/courriels/{failed.pk}/").content.decode()
    assert "Bonjour agent@ville.test" in page and "550 no such user" in page
    assert client.get("/administration/courriels/999999/").status_code == 404


def test_the_mail_list_runs_a_bounded_number_of_queries(
    client, central, no_delivery_task, django_assert_max_num_queries
):
    sr = ServiceRequestFactory(created_by=central)
    for n in range(30):
        _mail(f"a{n}@ville.test", service_request=sr)
    client.force_login(central)
    with django_assert_max_num_queries(8):
        client.get("/administration/courriels/")


def test_a_cancelled_mail_cannot_be_resent(client, central, smtp_server):
    cancelled = _mail("parti@ville.test", status=Status.CANCELLED, last_error="compte désactivé")
    client.force_login(central)
    page = client.get(f"/administration/courriels/{cancelled.pk}/").content.decode()
    assert f"/administration/courriels/{cancelled.pk}/renvoyer/" not in page
    response = client.post(f"/administration/courriels/{cancelled.pk}/renvoyer/", follow=True)
    assert "Ce courriel est annulé" in response.content.decode()
    outbox_flush()
    assert smtp_server.messages == []


def test_the_central_dashboard_warns_of_failed_mail_and_only_the_central_one(
    client, central, elected, no_delivery_task
):
    client.force_login(central)
    assert "pas pu être envoyé" not in client.get("/").content.decode()
    _mail("a@ville.test", status=Status.FAILED, attempts=8)
    _mail("b@ville.test", status=Status.FAILED, attempts=8)
    page = client.get("/").content.decode()
    assert "2 courriels n'ont pas pu être envoyés." in page
    assert 'href="/administration/courriels/?etat=failed"' in page
    client.force_login(elected)
    assert "pas pu être envoyé" not in client.get("/").content.decode()


def test_the_queue_never_shows_a_live_password_link(client, central, no_delivery_task):
    from eusp.accounts.password_link import password_link_send
    from tests.factories import AgentFactory

    agent = AgentFactory(username="nouvel-agent")
    message = password_link_send(agent, actor=central)
    assert "/compte/mot-de-passe/" in message.body_text
    token_part = message.body_text.split("/compte/mot-de-passe/")[1].split()[0]
    client.force_login(central)
    body = client.get(f"/administration/courriels/{message.pk}/").content.decode()
    assert "/compte/mot-de-passe/…" in body
    assert token_part not in body


@pytest.mark.parametrize("status", [Status.SENT, Status.FAILED])
def test_a_mail_erased_for_data_protection_is_never_sent_again(client, central, smtp_server, status):
    # As the retention rule leaves it: the row kept, its address and content blanked.
    erased = _mail("usager@example.org", status=status, sent_at=timezone.now())
    OutboxMessage.objects.filter(pk=erased.pk).update(to="", subject="", body_text="")
    client.force_login(central)
    response = client.post(f"/administration/courriels/{erased.pk}/renvoyer/", follow=True)
    assert "Ce courriel a été effacé (données personnelles) : il ne peut pas être renvoyé." in response.content.decode()
    client.post("/administration/courriels/renvoyer-les-echecs/")
    outbox_flush()
    erased.refresh_from_db()
    assert erased.status == status
    assert OutboxMessage.objects.count() == 1
    assert smtp_server.messages == []
