"""Time the mail path: outbox delivery to a real SMTP server on loopback, the daily
reminder schedule and the daily digests, on a database filled by bench/generate.sh.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/eusp_bench .venv/bin/python bench/mail.py [--mails 2000]

Delivery writes --mails outbox rows, drains them with one then two workers (threads,
each with its own connection, as two machines would) and deletes them. The reminder
schedule runs for real, then what it wrote is removed; the digests run inside a
transaction that is rolled back: the database is left as it was. A benchmark, not a
test: copy the figures into README.md.
"""

import argparse
import os
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")

import django

django.setup()

from aiosmtpd.controller import Controller  # noqa: E402
from django.conf import settings  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.db.models import Max  # noqa: E402
from django.utils import timezone  # noqa: E402
from django_tasks_db.models import DBTaskResult  # noqa: E402

from eusp.accounts.models import AlertMode, User  # noqa: E402
from eusp.casework.models import Reminder, RequestEvent  # noqa: E402
from eusp.casework.services.reminder_schedule import ReminderPolicy, candidates, reminders_run  # noqa: E402
from eusp.notifications.delivery import outbox_flush  # noqa: E402
from eusp.notifications.digest import digests_send  # noqa: E402
from eusp.notifications.models import DigestEntry, OutboxMessage  # noqa: E402
from tests.smtp import Inbox, free_port  # noqa: E402

BENCH_SUBJECT = "bench/mail.py"


class Rollback(Exception):
    pass


def delivery(inbox: Inbox, mails: int, workers: int) -> None:
    OutboxMessage.objects.bulk_create(
        OutboxMessage(to=f"agent{n}@bench.test", subject=BENCH_SUBJECT, body_text="Bonjour\n" * 20)
        for n in range(mails)
    )
    inbox.messages.clear()
    start = time.perf_counter()

    def drain(n: int) -> None:
        try:
            outbox_flush(worker_id=f"bench-{n}")
        finally:
            connection.close()

    threads = [threading.Thread(target=drain, args=(n,)) for n in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - start
    received = [m.rcpt_tos[0] for m in inbox.messages]
    duplicates = len(received) - len(set(received))
    print(
        f"| livraison, {workers} worker(s) | {mails} courriels | {seconds:.1f} s | "
        f"{mails / seconds:.0f} courriels/s | reçus {len(received)}, doublons {duplicates} |"
    )
    OutboxMessage.objects.filter(subject=BENCH_SUBJECT).delete()


def schedule() -> None:
    """A real pass, each request in its own transaction as in production (one outer
    transaction would distort it: PostgreSQL slows down past 64 savepoints in one), then
    what it wrote is removed and the requests' search notes rebuilt."""
    today = timezone.localdate()
    policy = ReminderPolicy.from_settings()
    start = time.perf_counter()
    count = candidates(today, policy).count()
    print(f"| relances : candidats | {count} demandes | {time.perf_counter() - start:.1f} s | | |")
    marks = {model: model.objects.aggregate(m=Max("pk"))["m"] or 0 for model in (Reminder, RequestEvent, OutboxMessage)}
    tasks = DBTaskResult.objects.values_list("pk", flat=True)
    known_tasks = set(tasks)
    try:
        start = time.perf_counter()
        report = reminders_run(today=today, policy=policy)
        first = time.perf_counter() - start
        start = time.perf_counter()
        again = reminders_run(today=today, policy=policy)
        second = time.perf_counter() - start
    finally:
        touched = set(Reminder.objects.filter(pk__gt=marks[Reminder]).values_list("service_request", flat=True))
        Reminder.objects.filter(pk__gt=marks[Reminder]).delete()
        RequestEvent.objects.filter(pk__gt=marks[RequestEvent])._raw_delete(RequestEvent.objects.db)
        OutboxMessage.objects.filter(pk__gt=marks[OutboxMessage]).delete()
        DBTaskResult.objects.exclude(pk__in=known_tasks).delete()
        with connection.cursor() as cursor:
            cursor.execute(NOTES_REBUILD, [list(touched)])
    print(
        f"| relances : premier passage | {report.reminded} relances, {report.escalated} alertes | {first:.1f} s | "
        f"{report.reminded / first:.0f} relances/s | une transaction par demande |"
    )
    print(f"| relances : second passage, même jour | {again.reminded} relance | {second:.1f} s | | idempotent |")


NOTES_REBUILD = """
UPDATE casework_servicerequest sr SET search_notes = coalesce((
    SELECT string_agg(' ' || btrim(note), '' ORDER BY created_at, id) FROM casework_requestevent e
    WHERE e.service_request_id = sr.id AND NOT e.is_internal AND btrim(note) <> ''), '')
WHERE sr.id = ANY(%s)
"""


def digests(entries: int) -> None:
    users = list(User.objects.filter(is_active=True).exclude(email=""))
    from eusp.casework.permissions import visible_requests

    try:
        with transaction.atomic():
            rows = []
            for user in users:
                ids = list(visible_requests(user).order_by("-pk").values_list("pk", flat=True)[: entries // len(users)])
                rows += [DigestEntry(recipient=user, service_request_id=pk, kind="alert", subject="x") for pk in ids]
            DigestEntry.objects.bulk_create(rows)
            User.objects.update(alert_mode=AlertMode.DIGEST)
            start = time.perf_counter()
            written = digests_send()
            seconds = time.perf_counter() - start
            raise Rollback
    except Rollback:
        pass
    print(f"| récapitulatifs | {len(rows)} alertes, {written} courriels | {seconds:.1f} s | | |")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mails", type=int, default=2000)
    parser.add_argument("--digest-entries", type=int, default=20000)
    parser.add_argument("--parts", default="delivery,schedule,digests", help="Which measures, comma-separated.")
    args = parser.parse_args()
    inbox = Inbox(port=free_port())
    controller = Controller(inbox, hostname="127.0.0.1", port=inbox.port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_USE_TLS = "127.0.0.1", inbox.port, False
    print("| mesure | volume | durée | débit | remarque |\n|---|---|---:|---:|---|")
    try:
        parts = args.parts.split(",")
        if "delivery" in parts:
            delivery(inbox, args.mails, workers=1)
            delivery(inbox, args.mails, workers=2)
        if "schedule" in parts:
            schedule()
        if "digests" in parts:
            digests(args.digest_entries)
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
