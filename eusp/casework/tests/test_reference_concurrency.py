"""References ``YYYY-NNNNN`` are unique and gap-free per year, even when many users create at once.

``reference_allocate`` increments the year's ``ReferenceCounter`` row with an UPDATE
inside the creating transaction: on PostgreSQL the row lock queues the other
creations until the first commits; on SQLite the ``IMMEDIATE`` transactions
(settings) serialise writers at BEGIN.
"""

import datetime
import json
import os
import subprocess
import sys
import threading
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, connections, transaction
from django.test import override_settings
from django.utils import timezone

from eusp.casework.models import ReferenceCounter, ServiceRequest
from eusp.casework.references import format_reference, reference_allocate
from eusp.casework.services import request_create
from eusp.directory.models import Origin, Priority, State
from eusp.directory.seed import seed_reference_data
from tests.factories import CategoryFactory, CentralFactory, DistrictFactory, OriginFactory

THREADS = 8
PER_THREAD = 10


def _request_data(category, origin, district, label: str) -> dict:
    return {
        "origin": origin,
        "category": category,
        "district": district,
        "received_on": timezone.localdate(),
        "subject": f"Demande simultanée {label}",
        "description": "Créée pendant le test de concurrence.",
        "requester_last_name": "Durand",
        "requester_address": "12 rue des Lilas",
    }


def _create_concurrently(threads: int, per_thread: int) -> tuple[list[str], list[BaseException]]:
    """``threads`` threads, released together, each making ``per_thread`` creations on its own connection."""
    # A transactional test starts from an empty database (a previous one flushed the
    # migrations' reference data): make sure there is an initial state.
    seed_reference_data(Origin, State, Priority)
    actor = CentralFactory(username="central-concurrence")
    category, origin, district = CategoryFactory(), OriginFactory(), DistrictFactory()
    barrier = threading.Barrier(threads)
    references: list[str] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def work(index: int) -> None:
        try:
            barrier.wait(timeout=30)
            for n in range(per_thread):
                sr = request_create(actor=actor, data=_request_data(category, origin, district, f"{index}-{n}"))
                with lock:
                    references.append(sr.reference)
        except BaseException as exc:
            with lock:
                errors.append(exc)
        finally:
            connections.close_all()

    workers = [threading.Thread(target=work, args=(i,), name=f"creator-{i}") for i in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
    assert not any(worker.is_alive() for worker in workers), "a creator thread is stuck"
    return references, errors


def _assert_gap_free(references: list[str], total: int) -> None:
    year = timezone.localdate().year
    assert len(references) == total
    assert len(set(references)) == total, "the same reference was handed out twice"
    assert sorted(references) == [format_reference(year, n) for n in range(1, total + 1)]
    rows = ServiceRequest.objects.filter(year=year)
    assert rows.count() == total
    assert sorted(rows.values_list("number", flat=True)) == list(range(1, total + 1))
    assert ReferenceCounter.objects.get(year=year).last_number == total


@pytest.mark.django_db(transaction=True)
def test_concurrent_creations_get_unique_consecutive_references_on_postgresql():
    if connection.vendor != "postgresql":
        pytest.skip(
            "needs PostgreSQL (set DATABASE_URL): the row lock taken by reference_allocate is what is tested; "
            "SQLite is covered by test_concurrent_creations_on_a_sqlite_file"
        )
    references, errors = _create_concurrently(THREADS, PER_THREAD)
    assert errors == []
    _assert_gap_free(references, THREADS * PER_THREAD)


# --- SQLite ------------------------------------------------------------------------------
#
# pytest-django gives SQLite an in-memory test database in shared-cache mode
# ("file:memorydb_default?mode=memory&cache=shared"). Threads can open connections to it,
# but shared-cache uses table locks that fail at once with "database table is locked"
# (SQLITE_LOCKED ignores the busy timeout), so a threaded test there only measures that
# artefact, not the behaviour of a deployment. The real SQLite configuration (a file,
# WAL, IMMEDIATE transactions, 20 s timeout) is therefore tested in a child process on a
# fresh file database, and the in-memory test database gets sequential checks.

SQLITE_SCRIPT = """
import json, sys
import django
django.setup()
from django.core.management import call_command
from django.db import connection
call_command("migrate", verbosity=0)
from eusp.casework.models import ReferenceCounter, ServiceRequest
from eusp.casework.tests.test_reference_concurrency import _create_concurrently
threads, per_thread = int(sys.argv[1]), int(sys.argv[2])
references, errors = _create_concurrently(threads, per_thread)
print(json.dumps({
    "options": connection.settings_dict["OPTIONS"],
    "name": str(connection.settings_dict["NAME"]),
    "journal_mode": connection.cursor().execute("PRAGMA journal_mode").fetchone()[0],
    "references": references,
    "errors": [repr(e) for e in errors],
    "numbers": sorted(ServiceRequest.objects.values_list("number", flat=True)),
    "counters": list(ReferenceCounter.objects.values_list("year", "last_number")),
}))
"""


def test_concurrent_creations_on_a_sqlite_file(tmp_path):
    """Several threads of one process, each with its own connection, as the WSGI server runs them."""
    database = tmp_path / "concurrence.sqlite3"
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{database}",
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "PYTHONPATH": str(settings.BASE_DIR),
    }
    result = subprocess.run(
        [sys.executable, "-c", SQLITE_SCRIPT, str(THREADS), str(PER_THREAD)],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    outcome = json.loads(result.stdout.strip().splitlines()[-1])
    assert outcome["name"] == str(database)
    assert outcome["options"]["transaction_mode"] == "IMMEDIATE"
    assert outcome["journal_mode"] == "wal"
    assert outcome["errors"] == []
    total = THREADS * PER_THREAD
    year = timezone.localdate().year
    assert len(outcome["references"]) == len(set(outcome["references"])) == total
    assert sorted(outcome["references"]) == [format_reference(year, n) for n in range(1, total + 1)]
    assert outcome["numbers"] == list(range(1, total + 1))
    assert outcome["counters"] == [[year, total]]


# --- Sequence rules (any database) ---------------------------------------------------------


@pytest.mark.django_db
def test_sequential_creations_follow_each_other_without_gap(central):
    category, origin, district = CategoryFactory(), OriginFactory(), DistrictFactory()
    created = [request_create(actor=central, data=_request_data(category, origin, district, str(n))) for n in range(25)]
    year = timezone.localdate().year
    assert [sr.reference for sr in created] == [format_reference(year, n) for n in range(1, 26)]
    assert ReferenceCounter.objects.get(year=year).last_number == 25


@pytest.mark.django_db
def test_a_failed_creation_does_not_burn_a_number(central):
    """The counter moves in the creating transaction: a creation that fails leaves no gap."""
    category, origin, district = CategoryFactory(), OriginFactory(), DistrictFactory()
    first = request_create(actor=central, data=_request_data(category, origin, district, "1"))
    invalid = {**_request_data(category, origin, district, "2"), "subject": "x" * 201}
    with pytest.raises(ValidationError):
        request_create(actor=central, data=invalid)
    second = request_create(actor=central, data=_request_data(category, origin, district, "3"))
    assert second.number == first.number + 1
    assert ReferenceCounter.objects.get(year=first.year).last_number == 2


@pytest.mark.django_db
def test_reference_allocate_starts_each_year_at_one():
    ReferenceCounter.objects.create(year=2025, last_number=41)
    with transaction.atomic():
        assert reference_allocate(2027) == 1
        assert reference_allocate(2027) == 2
        assert reference_allocate(2025) == 42
        assert reference_allocate(2027, count=3) == 3  # reserves 3, 4, 5
        assert reference_allocate(2027) == 6
    assert dict(ReferenceCounter.objects.values_list("year", "last_number")) == {2025: 42, 2027: 6}
    assert format_reference(2027, 1) == "2027-00001"


@pytest.mark.django_db(transaction=True)
def test_reference_allocate_refuses_to_run_outside_a_transaction():
    """Outside the creating transaction the UPDATE's lock would be released before the INSERT."""
    with pytest.raises(AssertionError):
        reference_allocate(2027)


@pytest.mark.django_db
def test_the_new_year_starts_at_00001_in_local_time(central):
    """The year is the city's (Europe/Paris), not UTC's: 00:30 on 1 January is already the new year."""
    category, origin, district = CategoryFactory(), OriginFactory(), DistrictFactory()
    paris = ZoneInfo("Europe/Paris")

    def create_at(moment: datetime.datetime, label: str) -> ServiceRequest:
        data = {**_request_data(category, origin, district, label), "received_on": moment.date()}
        with mock.patch("django.utils.timezone.now", return_value=moment.astimezone(datetime.UTC)):
            return request_create(actor=central, data=data)

    ReferenceCounter.objects.create(year=2029, last_number=312)
    with override_settings(TIME_ZONE="Europe/Paris"):
        late_2030 = [create_at(datetime.datetime(2030, 12, 31, 23, 0, tzinfo=paris), f"2030-{n}") for n in range(2)]
        new_year = create_at(datetime.datetime(2031, 1, 1, 0, 30, tzinfo=paris), "2031-a")  # still 2030 in UTC
        after = create_at(datetime.datetime(2031, 1, 2, 9, 0, tzinfo=paris), "2031-b")
    assert [sr.reference for sr in late_2030] == ["2030-00001", "2030-00002"]
    assert (new_year.year, new_year.number, new_year.reference) == (2031, 1, "2031-00001")
    assert after.reference == "2031-00002"
    assert dict(ReferenceCounter.objects.values_list("year", "last_number")) == {2029: 312, 2030: 2, 2031: 2}
