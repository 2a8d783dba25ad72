from collections import Counter
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from eusp.notifications.delivery import backoff_seconds, outbox_claim, outbox_deliver, outbox_flush
from eusp.notifications.models import OutboxMessage
from eusp.notifications.outbox import outbox_enqueue, outbox_resend
from eusp.notifications.tasks import outbox_deliver_task
from tests.smtp import free_port

Status = OutboxMessage.Status


def _enqueue(to: str, subject: str = "Alerte") -> OutboxMessage:
    with transaction.atomic():
        return outbox_enqueue(to=to, subject=subject, text=f"Bonjour {to}", kind="alert")


def _all_due_now() -> None:
    OutboxMessage.objects.filter(status=Status.PENDING).update(next_attempt_at=timezone.now())


@pytest.mark.django_db
def test_smtp_down_keeps_mail_pending_and_smtp_back_delivers_each_once(
    smtp_server, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_PORT = free_port()  # the city's mail server is down
    before = timezone.now()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        for n in range(20):
            _enqueue(f"agent{n}@ville.test", subject=f"Demande {n}")
    assert len(callbacks) == 20  # each commit asked for a delivery, and none raised
    rows = OutboxMessage.objects.all()
    assert [(r.status, r.attempts) for r in rows] == [(Status.PENDING, 1)] * 20
    assert all(r.next_attempt_at >= before + timedelta(seconds=60) for r in rows)
    assert all("Connection refused" in r.last_error or "Errno" in r.last_error for r in rows)
    assert outbox_flush() == 0  # not due yet: nothing is tried

    settings.EMAIL_PORT = smtp_server.port  # back up
    _all_due_now()
    assert outbox_flush() == 20
    subjects = Counter(m.message["Subject"] for m in smtp_server.messages)
    assert subjects == Counter({f"Demande {n}": 1 for n in range(20)})
    assert set(OutboxMessage.objects.values_list("status", "attempts")) == {(Status.SENT, 2)}

    _all_due_now()
    assert outbox_flush() == 0
    assert len(smtp_server.messages) == 20


@pytest.mark.django_db
def test_a_refused_recipient_fails_alone_then_gives_up_and_can_be_resent(
    smtp_rejecting, settings, django_capture_on_commit_callbacks
):
    settings.EUSP_MAIL_MAX_ATTEMPTS = 3
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        for to in ("voirie@ville.test", "inconnu@ville.test", "elu@ville.test"):
            outbox_enqueue(to=to, subject="Nouvelle demande", text="Bonjour", kind="alert")
    assert sorted(r for m in smtp_rejecting.messages for r in m.rcpt_tos) == ["elu@ville.test", "voirie@ville.test"]
    refused = OutboxMessage.objects.get(to="inconnu@ville.test")
    assert (refused.status, refused.attempts) == (Status.PENDING, 1)
    assert "550" in refused.last_error and "no such user" in refused.last_error
    assert OutboxMessage.objects.filter(status=Status.SENT).count() == 2

    for attempt in (2, 3):
        _all_due_now()
        assert outbox_flush() == 0
        refused.refresh_from_db()
        assert refused.attempts == attempt
    assert refused.status == Status.FAILED
    _all_due_now()
    assert outbox_claim(worker_id="w") == []  # a failed mail is left alone…
    assert len(smtp_rejecting.messages) == 2  # …and the others were never sent again

    outbox_resend(refused)
    assert (refused.status, refused.attempts) == (Status.PENDING, 0)
    smtp_rejecting.rejected.clear()  # the address was fixed on the server's side
    assert outbox_flush() == 1
    assert smtp_rejecting.messages[-1].rcpt_tos == ["inconnu@ville.test"]


@pytest.mark.django_db
def test_backoff_grows_then_repeats_its_last_delay(settings):
    settings.EUSP_MAIL_BACKOFF_SECONDS = [60, 300, 1800]
    assert [backoff_seconds(n) for n in range(1, 6)] == [60, 300, 1800, 1800, 1800]


@pytest.mark.django_db
def test_claims_are_exclusive_and_a_crashed_workers_claim_expires(no_delivery_task, settings):
    for n in range(5):
        _enqueue(f"a{n}@ville.test")
    first = outbox_claim(batch=3, worker_id="w1")
    second = outbox_claim(batch=3, worker_id="w2")
    assert len(first) == 3 and len(second) == 2 and not set(first) & set(second)
    assert outbox_claim(worker_id="w3") == []

    OutboxMessage.objects.filter(pk__in=first).update(
        claimed_at=timezone.now() - timedelta(seconds=settings.EUSP_MAIL_CLAIM_TIMEOUT_SECONDS + 1)
    )
    assert sorted(outbox_claim(worker_id="w3")) == sorted(first)
    assert set(OutboxMessage.objects.filter(pk__in=first).values_list("claimed_by", flat=True)) == {"w3"}


@pytest.mark.django_db
def test_a_mail_that_keeps_killing_its_worker_counts_attempts_and_ends_failed(no_delivery_task, settings):
    """A worker that dies while sending (a poison message, an OOM kill) used up an attempt:
    the mail is not taken over for ever, it ends failed and visible."""
    settings.EUSP_MAIL_MAX_ATTEMPTS = 3
    message = _enqueue("agent@ville.test")
    assert outbox_claim(worker_id="w0") == [message.pk]

    def worker_dies():
        OutboxMessage.objects.filter(pk=message.pk).update(
            claimed_at=timezone.now() - timedelta(seconds=settings.EUSP_MAIL_CLAIM_TIMEOUT_SECONDS + 1)
        )

    for crashes in (1, 2):
        worker_dies()
        assert outbox_claim(worker_id=f"w{crashes}") == [message.pk]
        message.refresh_from_db()
        assert (message.status, message.attempts) == (Status.SENDING, crashes)
    worker_dies()
    assert outbox_claim(worker_id="w3") == []
    message.refresh_from_db()
    assert (message.status, message.attempts) == (Status.FAILED, 3)
    assert "interrompu" in message.last_error


@pytest.mark.django_db
def test_deliver_sends_one_pending_message_and_never_a_sent_one_again(smtp_server, no_delivery_task):
    message = _enqueue("agent@ville.test")
    assert outbox_deliver(message.pk) is True
    assert outbox_deliver(message.pk) is False
    assert outbox_deliver(message.pk + 1000) is False
    [received] = smtp_server.messages
    message.refresh_from_db()
    assert message.status == Status.SENT
    assert received.message["Message-ID"].startswith(f"<outbox-{message.pk}.")


@pytest.mark.django_db
def test_max_messages_bounds_one_flush(smtp_server, no_delivery_task):
    for n in range(5):
        _enqueue(f"a{n}@ville.test")
    assert outbox_flush(max_messages=2, batch=1) == 2
    assert outbox_flush() == 3


@pytest.mark.django_db
def test_the_task_and_the_command_flush_due_mail(smtp_server, no_delivery_task):
    _enqueue("a@ville.test")
    assert outbox_deliver_task.enqueue().return_value == 1
    _enqueue("b@ville.test")
    call_command("outbox_deliver")
    assert [m.rcpt_tos for m in smtp_server.messages] == [["a@ville.test"], ["b@ville.test"]]
