"""Delay indicators a city steers by, per group of requests (per instructing service,
per quartier, or any other dimension but the state).

Percentiles come from histograms computed in SQL. Delays are whole days, so a group's
delays collapse into a few hundred (days, count) pairs — ``GROUP BY group, days`` —
and the median and the 90th percentile are read from those pairs in Python with the
interpolation of PostgreSQL's ``percentile_cont``. We chose this over
``percentile_cont … WITHIN GROUP`` (PostgreSQL only, plus a Python aggregate registered
on every SQLite connection) and over window functions because it is the same ORM
expression on both databases, returns a bounded number of rows (never the requests),
and the completion histogram comes out of the scan that already counts each group's
requests in progress, overdue and answered. Measured at a million requests: alone,
``percentile_cont(ARRAY[0.5, 0.9])`` per service is a little faster (58 against 74–90 ms
over a year), but it would need that scan a second time.

The first instruction and the first answer of a request are the earliest
``RequestEvent`` of kind « instruction » and the earliest ``Answer``: their dates are
grouped per request in a derived table joined to the requests (the ORM cannot group
twice, so the outer query is written here, from SQL the ORM compiles).
"""

import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db import connections
from django.db.models import Count, DurationField, ExpressionWrapper, F, Min, Q, QuerySet
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from eusp.casework.models import Answer, EventKind, Reminder, RequestEvent

from .dimensions import Dimension
from .selectors import Figures, share, state_phases

DEFAULT_WITHIN_DAYS = 15
MIN_WITHIN_DAYS, MAX_WITHIN_DAYS = 1, 365

# Days between two dates in the derived-table query (the one SQL written by hand here).
DAYS_BETWEEN = {
    "postgresql": "({later} - {earlier})",
    "sqlite": "CAST(julianday({later}) - julianday({earlier}) AS INTEGER)",
}


def percentile(histogram: dict[int, int], fraction: float) -> float | None:
    """The ``fraction`` percentile of the values a histogram counts, interpolated
    between the two nearest values as ``percentile_cont`` does; None if empty."""
    total = sum(histogram.values())
    if not total:
        return None
    position = fraction * (total - 1)
    below = math.floor(position)
    items = sorted(histogram.items())
    lower, upper = _value_at(items, below), _value_at(items, min(below + 1, total - 1))
    return lower + (position - below) * (upper - lower)


def _value_at(items: list[tuple[int, int]], index: int) -> int:
    seen = 0
    for value, count in items:
        seen += count
        if index < seen:
            return value
    return items[-1][0]


@dataclass
class Delays:
    """A distribution of delays in days."""

    histogram: Counter = field(default_factory=Counter)

    @property
    def count(self) -> int:
        return sum(self.histogram.values())

    @property
    def median(self) -> float | None:
        return percentile(self.histogram, 0.5)

    @property
    def p90(self) -> float | None:
        return percentile(self.histogram, 0.9)

    def within(self, days: int) -> int:
        return sum(n for value, n in self.histogram.items() if value <= days)


@dataclass
class DelayRow:
    value: object
    label: str
    figures: Figures = field(default_factory=Figures)
    done_with_due_date: int = 0  # done requests that had a due date…
    done_late: int = 0  # … and were done after it
    instruction: Delays = field(default_factory=Delays)
    completion: Delays = field(default_factory=Delays)
    answer_base: int = 0  # requests received more than N days ago
    answers: Delays = field(default_factory=Delays)  # days to the first answer, of those
    reminders: int = 0
    within_days: int = DEFAULT_WITHIN_DAYS

    @property
    def delay_columns(self) -> list[Delays]:
        return [self.instruction, self.completion]

    @property
    def within_share(self) -> float | None:
        """Share of the requests received more than N days ago answered within N days."""
        return share(self.answers.within(self.within_days), self.answer_base)

    @property
    def overdue_share(self) -> float | None:
        return self.figures.overdue_share

    @property
    def done_late_share(self) -> float | None:
        return share(self.done_late, self.done_with_due_date)

    @property
    def answered_within(self) -> int:
        return self.answers.within(self.within_days)


@dataclass
class DelayReport:
    dimension: Dimension
    within_days: int
    rows: list[DelayRow]
    total: DelayRow  # every request of the set
    reminded_services: list[tuple[str, int, int]]  # (service, reminders, of which automatic)

    @property
    def figures(self) -> Figures:
        return self.total.figures


def completion_days():
    """Reception to completion: the day the work was done, or the day a request was
    closed without action."""
    return ExpressionWrapper(
        Coalesce(F("done_on"), TruncDate("closed_at")) - F("received_on"), output_field=DurationField()
    )


def delay_report(
    qs: QuerySet,
    dimension: Dimension,
    *,
    within_days: int = DEFAULT_WITHIN_DAYS,
    since: date | None = None,
    today: date | None = None,
) -> DelayReport:
    """Delay indicators of the requests of ``qs`` per value of ``dimension``.

    ``since``, the earliest reception date the filters allow, only narrows the events and
    answers read: a request's timeline never starts before it was received.
    """
    today = today or timezone.localdate()
    phases = state_phases()
    qs = qs.select_related(None).order_by()
    column = dimension.column
    window_closed = Q(received_on__lt=today - timedelta(days=within_days))
    grouped = qs.values(column, "state_id", days=completion_days()).annotate(
        n=Count("pk"),
        late=Count("pk", filter=Q(due_on__lt=today)),
        with_due=Count("pk", filter=Q(done_on__isnull=False, due_on__isnull=False)),
        done_late=Count("pk", filter=Q(done_on__gt=F("due_on"))),
        answer_base=Count("pk", filter=window_closed),
    )
    rows: dict = defaultdict(lambda: DelayRow(None, "", within_days=within_days))
    total = DelayRow(None, "", within_days=within_days)
    for group in grouped:
        for row in (rows[group[column]], total):
            row.figures.add(phases.get(group["state_id"]), group["n"], group["late"])
            row.done_with_due_date += group["with_due"]
            row.done_late += group["done_late"]
            row.answer_base += group["answer_base"]
            if group["days"] is not None:
                row.completion.histogram[group["days"].days] += group["n"]
    first_instruction = RequestEvent.objects.filter(kind=EventKind.INSTRUCTION)
    first_answer = Answer.objects.all()
    if since:
        start = timezone.make_aware(datetime.combine(since, time.min))
        first_instruction = first_instruction.filter(created_at__gte=start)
        first_answer = first_answer.filter(answered_on__gte=since)
    instructed = first_step_histogram(qs, column, first_instruction, TruncDate(Min("created_at")))
    for value, days, n in instructed:
        rows[value].instruction.histogram[days] += n
        total.instruction.histogram[days] += n
    for value, days, n in first_step_histogram(qs.filter(window_closed), column, first_answer, Min("answered_on")):
        rows[value].answers.histogram[days] += n
        total.answers.histogram[days] += n
    reminded = _reminders(qs, column, rows, total)
    labels = dimension.labels(rows)
    for value, row in rows.items():
        row.value, row.label = value, str(labels.get(value, value))
    ordered = sorted(rows.values(), key=lambda r: (r.value is None, -r.figures.total, r.label.casefold()))
    return DelayReport(dimension, within_days, ordered, total, reminded)


def first_step_histogram(qs: QuerySet, column: str, steps: QuerySet, day) -> list[tuple[object, int, int]]:
    """(group value, days from reception to the step, requests) for the requests of ``qs``
    that reached the step: ``day``, an aggregate over ``steps`` (events, answers), dates
    each request's first one."""
    db = qs.db
    connection = connections[db]
    requests = qs.values(sr=F("pk"), received=F("received_on"), grp=F(column))
    requests_sql, requests_params = requests.query.get_compiler(using=db).as_sql()
    firsts = steps.order_by().values(sr=F("service_request")).annotate(day=day)
    steps_sql, steps_params = firsts.query.get_compiler(using=db).as_sql()
    days = DAYS_BETWEEN[connection.vendor].format(later="s.day", earlier="r.received")
    sql = (
        f"SELECT r.grp, {days}, COUNT(*) FROM ({requests_sql}) r "  # noqa: S608 (compiled by the ORM)
        f"INNER JOIN ({steps_sql}) s ON s.sr = r.sr GROUP BY r.grp, {days}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, (*requests_params, *steps_params))
        return [(value, int(days), n) for value, days, n in cursor.fetchall()]


def _reminders(qs: QuerySet, column: str, rows: dict, total: DelayRow) -> list[tuple[str, int, int]]:
    """Reminders about the requests of each group, and per service reminded (the service
    a reminder went to, which may be the executing one), from one grouped query."""
    grouped = (
        Reminder.objects.filter(service_request__in=qs.values("pk"))
        .values("service__name", "is_automatic", group=F(f"service_request__{column}"))
        .annotate(n=Count("pk"))
        .order_by()
    )
    by_service: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for row in grouped:
        rows[row["group"]].reminders += row["n"]
        total.reminders += row["n"]
        by_service[row["service__name"]][0] += row["n"]
        if row["is_automatic"]:
            by_service[row["service__name"]][1] += row["n"]
    return sorted(((name, n, auto) for name, (n, auto) in by_service.items()), key=lambda r: (-r[1], r[0]))
