import threading
from collections import Counter

import pytest
from django.db import connection, transaction

from eusp.notifications.delivery import outbox_claim, outbox_flush
from eusp.notifications.models import OutboxMessage
from eusp.notifications.outbox import outbox_enqueue

MAILS = 200
WORKERS = 2


def _needs_postgresql() -> None:
    if connection.vendor != "postgresql":
        pytest.skip(
            "needs PostgreSQL (set DATABASE_URL): what is tested is SELECT … FOR UPDATE SKIP LOCKED between "
            "connections; SQLite serialises writers and the in-memory test database cannot share it across threads"
        )


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_claim_skips_the_rows_another_worker_is_claiming(no_delivery_task):
    """Deterministic where the drain below is statistical: a worker mid-claim holds row
    locks; another worker neither waits for them nor takes those rows."""
    _needs_postgresql()
    with transaction.atomic():
        for n in range(10):
            outbox_enqueue(to=f"agent{n}@ville.test", subject=f"Demande {n}", text="Bonjour", kind="alert")
    all_ids = sorted(OutboxMessage.objects.values_list("pk", flat=True))
    claimed: list[int] = []

    def other_worker() -> None:
        try:
            claimed.extend(outbox_claim(worker_id="other"))
        finally:
            connection.close()

    with transaction.atomic():
        locked = list(OutboxMessage.objects.select_for_update().filter(pk__in=all_ids[:4]).values_list("pk", flat=True))
        thread = threading.Thread(target=other_worker)
        thread.start()
        thread.join(timeout=10)
        waited = thread.is_alive()
    thread.join()
    assert not waited, "the claim waited for locked rows instead of skipping them"
    assert sorted(claimed) == all_ids[4:]
    assert len(locked) == 4


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_workers_on_postgresql_drain_one_outbox_without_duplicates(smtp_server, no_delivery_task):
    _needs_postgresql()
    with transaction.atomic():
        for n in range(MAILS):
            outbox_enqueue(to=f"agent{n}@ville.test", subject=f"Demande {n}", text="Bonjour", kind="alert")

    start = threading.Barrier(WORKERS)
    sent: dict[str, int] = {}
    errors: list[BaseException] = []

    def worker(name: str) -> None:
        try:
            start.wait()
            sent[name] = outbox_flush(batch=10, worker_id=name)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(f"worker-{n}",)) for n in range(WORKERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert errors == []
    assert sum(sent.values()) == MAILS
    message_ids = Counter(m.message["Message-ID"] for m in smtp_server.messages)
    assert len(smtp_server.messages) == MAILS
    assert max(message_ids.values()) == 1, "a mail was sent twice"
    assert Counter(m.message["Subject"] for m in smtp_server.messages) == Counter(
        {f"Demande {n}": 1 for n in range(MAILS)}
    )
    rows = OutboxMessage.objects.all()
    assert {(r.status, r.attempts) for r in rows} == {(OutboxMessage.Status.SENT, 1)}
    assert Counter(rows.values_list("claimed_by", flat=True)) == Counter(sent)
