"""The request's first instruction and first answer dates (``first_instructed_on``,
``first_answered_on``), which the delay statistics read: written by the services that
record those facts, by the data generators, and by migration 0008 from the timeline —
always the local date of the earliest instruction event and the earliest answer's date."""

import datetime
import os
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.db.models import Min
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from eusp.casework.demo.generator import RequestGenerator
from eusp.casework.models import Answer, AnswerChannel, EventKind, RequestEvent, ServiceRequest
from eusp.casework.services import request_answer, request_instruct
from eusp.directory.models import Origin, Priority, State
from eusp.directory.seed import seed_reference_data
from tests.factories import CentralFactory, ServiceRequestFactory

from .follow_up import reload, request_new

pytestmark = pytest.mark.django_db
UTC = datetime.UTC
D = datetime.date
# Saturday evening before the spring change of time in Paris (29 March 2026, 2 h → 3 h):
# steps from here cross midnights in both UTC offsets.
START = datetime.datetime(2026, 3, 28, 21, 30, tzinfo=UTC)


class Clock:
    """``timezone.now`` held at a chosen instant, moved forward by hand."""

    def __init__(self, at: datetime.datetime):
        self.at = at

    def __call__(self) -> datetime.datetime:
        return self.at

    def advance(self, **delta) -> None:
        self.at += datetime.timedelta(**delta)


@pytest.fixture
def clock(monkeypatch):
    clock = Clock(START)
    monkeypatch.setattr(timezone, "now", clock)
    return clock


def timeline_milestones(sr: ServiceRequest) -> tuple[datetime.date | None, datetime.date | None]:
    """What the statistics once computed from the timeline: the local date of the first
    instruction event, the date of the earliest answer."""
    first_event = RequestEvent.objects.filter(service_request=sr, kind=EventKind.INSTRUCTION).aggregate(
        at=Min("created_at")
    )["at"]
    first_answer = Answer.objects.filter(service_request=sr).aggregate(on=Min("answered_on"))["on"]
    return (timezone.localdate(first_event) if first_event else None), first_answer


def assert_milestones_follow_the_timeline() -> int:
    """Every request's milestones are its timeline's. Returns how many were instructed."""
    instructed = dict(
        RequestEvent.objects.filter(kind=EventKind.INSTRUCTION)
        .values("service_request")
        .annotate(at=Min("created_at"))
        .values_list("service_request", "at")
    )
    answered = dict(
        Answer.objects.values("service_request").annotate(on=Min("answered_on")).values_list("service_request", "on")
    )
    for pk, instructed_on, answered_on in ServiceRequest.objects.values_list(
        "pk", "first_instructed_on", "first_answered_on"
    ):
        assert instructed_on == (timezone.localdate(instructed[pk]) if pk in instructed else None)
        assert answered_on == answered.get(pk)
    return len(instructed)


def _instruct(sr, agent, **kwargs):
    return request_instruct(sr=sr, actor=agent, feasibility="feasible", **kwargs)


def _answer(sr, central, answered_on, **kwargs):
    return request_answer(
        sr=sr, actor=central, channel=AnswerChannel.LETTER, text="Bonjour.", answered_on=answered_on, **kwargs
    )


# --- The services ---------------------------------------------------------------------------


def test_a_second_instruction_and_a_second_answer_leave_the_first_dates(clock, central, agent, voirie):
    sr = request_new(central, voirie, received_on=D(2026, 3, 20))
    assert (sr.first_instructed_on, sr.first_answered_on) == (None, None)

    _instruct(sr, agent, expected_delay_days=10)  # 28 March, 22 h 30 in Paris
    _answer(sr, central, D(2026, 3, 27))
    clock.advance(days=3)
    _instruct(sr, agent, expected_delay_days=20, note="Délai revu")
    _answer(sr, central, D(2026, 3, 30))

    saved = reload(sr)
    assert (saved.first_instructed_on, saved.first_answered_on) == (D(2026, 3, 28), D(2026, 3, 27))
    assert timeline_milestones(saved) == (D(2026, 3, 28), D(2026, 3, 27))
    assert sr.events.filter(kind=EventKind.INSTRUCTION).count() == 2 and sr.answers.count() == 2


def test_the_first_instruction_is_dated_in_local_time(clock, central, agent, voirie):
    sr = request_new(central, voirie, received_on=D(2026, 3, 20))
    clock.advance(hours=2)  # 28 March, 23 h 30 UTC: already the 29th in Paris
    _instruct(sr, agent)
    assert reload(sr).first_instructed_on == D(2026, 3, 29)


def test_an_answer_dated_earlier_moves_the_first_answer_back(clock, central, voirie):
    """A letter sent last week and recorded today is the first answer: the date is always
    the earliest answer's, as the statistics counted it from the answers."""
    sr = request_new(central, voirie, received_on=D(2026, 3, 10))
    _answer(sr, central, D(2026, 3, 25))
    _answer(sr, central, D(2026, 3, 18))
    assert reload(sr).first_answered_on == D(2026, 3, 18)


def test_duplicates_answered_along_get_their_first_answer(clock, central, voirie):
    sr = request_new(central, voirie, received_on=D(2026, 3, 10))
    twin = request_new(central, voirie, received_on=D(2026, 3, 11))
    ServiceRequest.objects.filter(pk=twin.pk).update(duplicate_of=sr)
    _answer(twin, central, D(2026, 3, 12))  # the twin was answered on its own first
    _answer(sr, central, D(2026, 3, 20), include_duplicates=True)
    assert reload(sr).first_answered_on == D(2026, 3, 20)
    assert reload(twin).first_answered_on == D(2026, 3, 12)


def test_a_refused_answer_sets_nothing(clock, central, voirie):
    sr = request_new(central, voirie, received_on=D(2026, 3, 10))
    with pytest.raises(ValidationError):
        _answer(sr, central, D(2026, 3, 29))  # tomorrow
    assert reload(sr).first_answered_on is None


# Steps of a request's life: (action, minutes later, days back for an answer's date).
steps = st.lists(
    st.tuples(st.sampled_from(["instruct", "answer", "wait"]), st.integers(0, 3 * 24 * 60), st.integers(0, 12)),
    min_size=1,
    max_size=8,
)


class _Rollback(Exception):
    pass


@settings(
    max_examples=int(os.environ.get("EUSP_PROPERTY_EXAMPLES", "30")),
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=steps)
def test_the_milestones_are_always_the_timelines(clock, central, agent, voirie, steps):
    """Whatever the order and the hours of instructions and answers (across midnights and
    the change of time), the request holds the first instruction's local date and the
    earliest answer's date."""
    try:
        with transaction.atomic():
            clock.at = START
            sr = request_new(central, voirie, received_on=D(2026, 3, 16))
            for action, minutes, days_back in steps:
                clock.advance(minutes=minutes)
                if action == "instruct":
                    _instruct(sr, agent, expected_delay_days=5)
                elif action == "answer":
                    today = timezone.localdate()
                    _answer(sr, central, max(sr.received_on, today - datetime.timedelta(days=days_back)))
                saved = reload(sr)
                assert (saved.first_instructed_on, saved.first_answered_on) == timeline_milestones(saved)
            raise _Rollback
    except _Rollback:
        pass


# --- The data generators --------------------------------------------------------------------


@pytest.mark.parametrize("method", ["auto", "orm"])
def test_generated_requests_carry_their_milestones(method):
    """COPY (``auto`` on PostgreSQL) and bulk_create alike."""
    call_command("generate_requests", "--count", "300", "--batch", "120", "--seed", "9", "--method", method,
                 stdout=StringIO())  # fmt: skip
    assert assert_milestones_follow_the_timeline() > 100
    assert ServiceRequest.objects.filter(first_answered_on__isnull=False).count() > 50


@pytest.mark.parametrize("use_copy", [False, True])
def test_the_demo_citys_detailed_requests_carry_their_milestones(use_copy):
    """Detailed mode: its acknowledgements are answers too."""
    if use_copy and connection.vendor != "postgresql":
        pytest.skip("COPY needs PostgreSQL (set DATABASE_URL)")
    call_command("generate_requests", "--count", "1", stdout=StringIO())  # reference data and staff
    RequestGenerator(seed=7, detailed=True).run(300, batch_size=150, use_copy=use_copy)
    assert assert_milestones_follow_the_timeline() > 100
    assert ServiceRequest.objects.filter(first_answered_on__isnull=False).count() > 100


# --- Migration 0008 -------------------------------------------------------------------------

BEFORE = [("casework", "0007_statistics_indexes")]


@pytest.fixture
def migrator(transactional_db):
    """Migrations to run by hand; the database is brought back to the latest ones after."""
    yield MigrationExecutor
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


def _columns() -> set[str]:
    with connection.cursor() as cursor:
        description = connection.introspection.get_table_description(cursor, ServiceRequest._meta.db_table)
    return {column.name for column in description}


def _indexes() -> dict[str, str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE indexname = ANY(%s)",
            [["request_stats_idx", "event_first_instruction_idx"]],
        )
        return dict(cursor.fetchall())


def _at(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=UTC)


def test_migration_fills_the_milestones_from_the_timeline_and_reverses(migrator):
    seed_reference_data(Origin, State, Priority)
    central = CentralFactory()
    both, answered, instructed, neither = (
        ServiceRequestFactory(created_by=central, received_on=D(2026, 1, 5)) for _ in range(4)
    )

    def event(sr, kind, at):
        RequestEvent.objects.create(service_request=sr, kind=kind, created_at=at)

    def answer(sr, day):
        Answer.objects.create(service_request=sr, channel=AnswerChannel.PHONE, answered_on=day, text="", author=central)

    event(both, EventKind.COMMENT, _at(D(2026, 1, 6), 9))  # not an instruction
    event(both, EventKind.INSTRUCTION, _at(D(2026, 1, 20), 9))
    event(both, EventKind.INSTRUCTION, _at(D(2026, 1, 7), 23, 30))  # 8 January, 0 h 30 in Paris
    answer(both, D(2026, 1, 15))
    answer(both, D(2026, 1, 10))  # recorded later, dated earlier
    answer(answered, D(2026, 1, 9))
    event(instructed, EventKind.INSTRUCTION, _at(D(2026, 7, 1), 21, 59))  # summer: 23 h 59, still the 1st
    ServiceRequest.objects.update(first_instructed_on=None, first_answered_on=None)  # what 0007 did not have

    executor = migrator(connection)
    executor.migrate(BEFORE)
    assert not {"first_instructed_on", "first_answered_on"} & _columns()
    if connection.vendor == "postgresql":
        assert "first_instructed_on" not in _indexes()["request_stats_idx"]
        assert "event_first_instruction_idx" in _indexes()

    executor = migrator(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    milestones = dict(ServiceRequest.objects.values_list("pk", "first_instructed_on"))
    assert milestones == {both.pk: D(2026, 1, 8), answered.pk: None, instructed.pk: D(2026, 7, 1), neither.pk: None}
    answers = dict(ServiceRequest.objects.values_list("pk", "first_answered_on"))
    assert answers == {both.pk: D(2026, 1, 10), answered.pk: D(2026, 1, 9), instructed.pk: None, neither.pk: None}
    assert assert_milestones_follow_the_timeline() == 2
    assert RequestEvent.objects.filter(kind=EventKind.INSTRUCTION).count() == 3 and Answer.objects.count() == 3
    if connection.vendor == "postgresql":
        indexes = _indexes()
        assert "first_instructed_on, first_answered_on" in indexes["request_stats_idx"]
        assert "event_first_instruction_idx" not in indexes
