"""Daily digests: a user who chose one gets no alert mail during the day, then a single
mail listing them, delivered to a real SMTP server; nothing twice, nothing to the gone."""

import datetime

import pytest
from django.core.management import call_command

from eusp.accounts.models import AlertMode
from eusp.casework.notify import notify_reminders_unanswered
from eusp.casework.services import request_assign, request_create
from eusp.casework.services.reminders import request_remind
from eusp.directory.models import Origin
from eusp.notifications.delivery import outbox_flush
from eusp.notifications.digest import digest_defer, digests_send
from eusp.notifications.models import DigestEntry, OutboxMessage
from tests.factories import AgentFactory, CategoryFactory, CentralFactory, ElectedFactory, ServiceFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def city():
    roads, parks = ServiceFactory(name="Voirie"), ServiceFactory(name="Parcs")
    return {
        "central": CentralFactory(username="claire", email="claire@ville.test"),
        "elu": ElectedFactory(username="elu", email="elu@ville.test", alert_mode=AlertMode.DIGEST),
        "karim": AgentFactory(username="karim", email="karim@ville.test", services=[roads]),
        "roads": roads,
        "parks": parks,
        "category": CategoryFactory(name="Nid-de-poule", default_instructing_service=roads),
    }


def _create(city, subject: str):
    return request_create(
        actor=city["central"],
        data={
            "origin": Origin.objects.first(),
            "received_on": datetime.date(2026, 12, 1),
            "category": city["category"],
            "subject": subject,
            "referent_official": city["elu"],
        },
    )


def _mails_to(smtp_server, address: str) -> list:
    return [m for m in smtp_server.messages if m.rcpt_tos == [address]]


def test_a_digest_user_gets_one_mail_listing_the_days_alerts_and_nothing_twice(city, smtp_server):
    requests = [_create(city, subject) for subject in ("Trou rue des Lilas", "Pavé descellé", "Bordure cassée")]
    outbox_flush()
    # The agent chose every alert at once; the élu, a digest.
    assert len(_mails_to(smtp_server, "karim@ville.test")) == 3
    assert _mails_to(smtp_server, "elu@ville.test") == []
    assert DigestEntry.objects.filter(recipient=city["elu"], digest__isnull=True).count() == 3

    assert digests_send() == 1
    outbox_flush()
    [digest] = _mails_to(smtp_server, "elu@ville.test")
    assert "récapitulatif" in str(digest.message["Subject"]) and "3 alertes" in str(digest.message["Subject"])
    for sr in requests:
        assert f"Nouvelle demande {sr.reference} : {sr.subject}" in digest.body
        assert f"http://127.0.0.1:8000/demandes/{sr.reference}/" in digest.body
    assert "http://127.0.0.1:8000/compte/" in digest.body
    html = digest.message.get_body(preferencelist=("html",)).get_content()
    assert f'href="http://127.0.0.1:8000/demandes/{requests[0].reference}/"' in html

    assert digests_send() == 0
    call_command("send_digests")
    outbox_flush()
    assert len(_mails_to(smtp_server, "elu@ville.test")) == 1
    assert OutboxMessage.objects.get(kind=OutboxMessage.Kind.DIGEST).entries.count() == 3


def test_alerts_after_the_digest_wait_for_the_next_one(city, smtp_server):
    _create(city, "Trou rue des Lilas")
    digests_send()
    later = _create(city, "Pavé descellé")
    assert digests_send() == 1
    outbox_flush()
    first, second = _mails_to(smtp_server, "elu@ville.test")
    assert later.reference not in first.body and later.reference in second.body
    assert "1 alerte" in str(second.message["Subject"])


def test_a_deactivated_user_gets_no_digest(city, smtp_server):
    _create(city, "Trou rue des Lilas")
    city["elu"].is_active = False
    city["elu"].save()
    assert digests_send() == 0
    outbox_flush()
    assert _mails_to(smtp_server, "elu@ville.test") == []
    assert not DigestEntry.objects.exists()


def test_a_request_given_to_another_service_before_the_digest_is_left_out(city, smtp_server):
    agent = AgentFactory(username="lea", email="lea@ville.test", services=[city["roads"]], alert_mode="digest")
    moved, kept = _create(city, "Trou rue des Lilas"), _create(city, "Pavé descellé")
    request_assign(sr=moved, actor=city["central"], instructing_service=city["parks"])
    assert DigestEntry.objects.filter(recipient=agent).count() == 2
    digests_send()
    outbox_flush()
    [digest] = _mails_to(smtp_server, "lea@ville.test")
    assert kept.reference in digest.body
    assert moved.reference not in digest.body


def test_reminders_to_a_digest_agent_go_in_the_digest(city, smtp_server):
    city["karim"].alert_mode = AlertMode.DIGEST
    city["karim"].save()
    sr = _create(city, "Trou rue des Lilas")
    request_remind(sr=sr, actor=city["central"], service=city["roads"], message="Où en est-on ?")
    outbox_flush()
    assert _mails_to(smtp_server, "karim@ville.test") == []
    digests_send()
    outbox_flush()
    [digest] = _mails_to(smtp_server, "karim@ville.test")
    assert "Relances" in digest.body and f"Relance : demande {sr.reference}" in digest.body


def test_a_dedupe_key_keeps_one_entry_per_user(city):
    sr = _create(city, "Trou rue des Lilas")
    for _ in range(2):
        digest_defer(recipient=city["elu"], subject="Alerte", kind="reminder", service_request=sr, dedupe_key="k")
    assert DigestEntry.objects.filter(dedupe_key="k").count() == 1


def test_switching_back_to_immediate_never_repeats_a_deduplicated_alert(city, smtp_server):
    sr = _create(city, "Trou rue des Lilas")
    central = city["central"]
    central.alert_mode = AlertMode.DIGEST
    central.save()
    assert notify_reminders_unanswered(sr, city["roads"], 3) == 1  # kept for the digest
    digests_send()
    central.alert_mode = AlertMode.IMMEDIATE
    central.save()
    assert notify_reminders_unanswered(sr, city["roads"], 3) == 0  # the next day's run: already told
    outbox_flush()
    assert len(_mails_to(smtp_server, "claire@ville.test")) == 1
