"""Migration 0004: e-mail answers that were pending or failed before the outbox existed
become outbox rows, so they are sent (or can be resent) and none is lost."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from eusp.casework.models import Answer, AnswerChannel
from eusp.directory.models import Origin, Priority, State
from eusp.directory.seed import seed_reference_data
from tests.factories import CentralFactory, ServiceRequestFactory

BEFORE = [("casework", "0003_done_on_index"), ("notifications", "0001_initial")]


@pytest.fixture
def migrator(transactional_db):
    """Migrations to run by hand; the database is brought back to the latest ones after."""
    yield MigrationExecutor
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


def test_unsent_email_answers_move_to_the_outbox(migrator):
    seed_reference_data(Origin, State, Priority)
    central = CentralFactory()
    sr = ServiceRequestFactory(created_by=central, requester_email="jeanne@example.org")
    answers = {
        status: Answer.objects.create(
            service_request=sr, channel=channel, answered_on=sr.received_on, recipient_email=email,
            subject=f"Objet {status}", text=f"Texte {status}", author=central,
        )
        for status, channel, email in [
            ("pending", AnswerChannel.EMAIL, "jeanne@example.org"),
            ("failed", AnswerChannel.EMAIL, "jeanne@example.org"),
            ("sent", AnswerChannel.EMAIL, "jeanne@example.org"),
            ("", AnswerChannel.LETTER, ""),
        ]
    }  # fmt: skip
    executor = migrator(connection)
    executor.migrate(BEFORE)
    old_answer = executor.loader.project_state(BEFORE).apps.get_model("casework", "Answer")
    for status, answer in answers.items():
        error = "Connection refused" if status == "failed" else ""
        old_answer.objects.filter(pk=answer.pk).update(delivery_status=status, delivery_error=error)

    executor = migrator(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())  # 0004, and the later ones the models expect

    migrated = {a.text.removeprefix("Texte "): a for a in Answer.objects.select_related("outbox_message")}
    pending, failed = migrated["pending"].outbox_message, migrated["failed"].outbox_message
    assert (pending.status, pending.to, pending.kind, pending.subject) == (
        "pending", "jeanne@example.org", "answer", "Objet pending",
    )  # fmt: skip
    assert pending.body_text.startswith("Texte pending\n") and sr.reference in pending.body_text
    assert (failed.status, failed.last_error) == ("failed", "Connection refused")
    assert migrated["sent"].outbox_message is None and migrated["sent"].delivery_status == "sent"
    assert migrated[""].outbox_message is None and migrated[""].delivery_status == ""
