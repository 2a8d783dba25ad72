import pytest
from django.db import transaction

from eusp.notifications.delivery import outbox_flush
from eusp.notifications.models import OutboxMessage
from eusp.notifications.outbox import outbox_enqueue, outbox_resend
from tests.factories import AgentFactory

Status = OutboxMessage.Status


class Boom(Exception):
    pass


def _enqueue(to="agent@ville.test", **kwargs):
    return outbox_enqueue(to=to, subject="Nouvelle demande", text="Bonjour", kind="alert", **kwargs)


@pytest.mark.django_db
def test_a_mail_of_a_rolled_back_transaction_is_never_written_nor_sent(smtp_server, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(Boom), transaction.atomic():
        assert _enqueue() is not None
        raise Boom
    assert callbacks == []
    assert not OutboxMessage.objects.exists()
    assert smtp_server.messages == []


@pytest.mark.django_db
def test_a_committed_mail_is_delivered_after_commit(smtp_server, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        message = outbox_enqueue(
            to="agent@ville.test", subject="Demande 2026-00042", text="Texte", html="<p>HTML</p>", kind="alert"
        )
        assert smtp_server.messages == []  # nothing goes out before the commit
    assert len(callbacks) == 1
    [received] = smtp_server.messages
    assert received.rcpt_tos == ["agent@ville.test"]
    assert received.message["Subject"] == "Demande 2026-00042"
    assert received.message["X-EUSP-Outbox-Id"] == str(message.pk)
    assert received.message.get_body(preferencelist=("html",)).get_content().strip() == "<p>HTML</p>"
    assert received.body.strip() == "Texte"
    message.refresh_from_db()
    assert (message.status, message.attempts, message.last_error) == (Status.SENT, 1, "")
    assert message.sent_at is not None


@pytest.mark.django_db
def test_an_inactive_user_gets_nothing():
    user = AgentFactory(is_active=False)
    assert _enqueue(to=user.email, recipient=user) is None
    assert _enqueue(to="", recipient=AgentFactory()) is None
    assert not OutboxMessage.objects.exists()


@pytest.mark.django_db
def test_a_user_deactivated_before_delivery_gets_nothing_and_it_shows(smtp_server, no_delivery_task):
    user = AgentFactory(email="parti@ville.test")
    message = _enqueue(to=user.email, recipient=user)
    user.is_active = False
    user.save()
    outbox_flush()
    assert smtp_server.messages == []
    message.refresh_from_db()
    assert message.status == Status.CANCELLED
    assert "désactivé" in message.last_error
    assert outbox_resend(message).status == Status.CANCELLED  # nothing to resend


@pytest.mark.django_db
def test_a_dedupe_key_writes_a_mail_once_per_address(no_delivery_task):
    first = _enqueue(dedupe_key="relance:42:1")
    assert first is not None
    assert _enqueue(dedupe_key="relance:42:1") is None
    assert _enqueue(to="elu@ville.test", dedupe_key="relance:42:1") is not None
    assert _enqueue() is not None and _enqueue() is not None  # no key, no deduplication
    assert OutboxMessage.objects.count() == 4


@pytest.mark.django_db
def test_a_dedupe_race_lost_leaves_the_callers_transaction_usable(no_delivery_task, monkeypatch):
    _enqueue(dedupe_key="k")
    # As if another transaction wrote the same key between our check and our insert.
    monkeypatch.setattr("django.db.models.query.QuerySet.exists", lambda self: False)
    with transaction.atomic():
        assert _enqueue(dedupe_key="k") is None
        assert OutboxMessage.objects.count() == 1


@pytest.mark.django_db
def test_a_broken_task_queue_does_not_fail_the_users_action(monkeypatch, django_capture_on_commit_callbacks):
    class Broken:
        def enqueue(self, **kwargs):
            raise ConnectionError("queue unavailable")

    monkeypatch.setattr("eusp.notifications.outbox.outbox_deliver_task", Broken())
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        message = _enqueue()
    message.refresh_from_db()
    assert message.status == Status.PENDING


@pytest.mark.django_db
def test_resend_puts_a_failed_mail_back_in_the_queue_due_now(no_delivery_task, django_capture_on_commit_callbacks):
    message = _enqueue()
    OutboxMessage.objects.filter(pk=message.pk).update(status=Status.FAILED, attempts=8, last_error="550")
    with django_capture_on_commit_callbacks(execute=True):
        outbox_resend(message)
    assert (message.status, message.attempts) == (Status.PENDING, 0)
    assert no_delivery_task[-1] == {"message_id": message.pk}
