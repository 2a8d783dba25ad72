"""Counts of requests for the statistics, computed in SQL (GROUP BY), never row by row.

Every view reads one grouped scan: its dimensions plus ``state_id``, with the count of
requests past their due date in each group. Folding those few groups in Python gives
the distribution, the crossed table or the time series *and* the key figures (total,
in progress, done, overdue) of the same set, so a page costs one pass over the table.
On PostgreSQL that pass is an index-only scan of the statistics index
(``request_stats_idx``): the table itself, with its text and search columns, is ten
times wider.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import TruncMonth, TruncWeek
from django.utils import timezone

from eusp.directory.models import ACTIVE_PHASES, Phase, State

from .dimensions import Dimension

MONTH, WEEK = "mois", "semaine"
MAX_PERIODS = 260  # five years of weeks, twenty of months: beyond, a chart says nothing


def state_phases() -> dict[int, str]:
    return dict(State.objects.values_list("pk", "phase"))


def grouped_counts(qs: QuerySet, *columns, **expressions) -> list[dict]:
    """Requests of ``qs`` grouped by the columns (and named expressions) and ``state_id``:
    ``n`` requests, ``late`` of them past their due date."""
    today = timezone.localdate()
    return list(
        qs.select_related(None)
        .order_by()
        .values(*columns, "state_id", **expressions)
        .annotate(n=Count("pk"), late=Count("pk", filter=Q(due_on__lt=today)))
    )


@dataclass
class Figures:
    """The key figures of a set of requests."""

    total: int = 0
    active: int = 0  # open, in progress or waiting
    done: int = 0
    closed: int = 0  # closed without action
    overdue: int = 0  # active and past their due date

    def add(self, phase: str | None, n: int, late: int) -> None:
        self.total += n
        if phase in ACTIVE_PHASES:
            self.active += n
            self.overdue += late
        elif phase == Phase.DONE:
            self.done += n
        elif phase == Phase.CLOSED:
            self.closed += n

    @property
    def overdue_share(self) -> float | None:
        return share(self.overdue, self.active)


def share(part: int, whole: int) -> float | None:
    """A percentage, or None when there is nothing to divide."""
    return 100 * part / whole if whole else None


def key_figures(rows: list[dict], phases: dict[int, str]) -> Figures:
    figures = Figures()
    for row in rows:
        figures.add(phases.get(row["state_id"]), row["n"], row["late"])
    return figures


@dataclass
class Slice:
    """One value of a dimension: how many requests, and where they stand."""

    value: object
    label: str
    figures: Figures = field(default_factory=Figures)

    @property
    def count(self) -> int:
        return self.figures.total


def count_by(qs: QuerySet, dimension: Dimension) -> tuple[list[Slice], Figures]:
    """The distribution of ``qs`` over the values of a dimension, with each value's
    figures, and the key figures of the whole set (from the same scan)."""
    phases = state_phases()
    rows = grouped_counts(qs, dimension.column)
    return fold_slices(rows, dimension, phases), key_figures(rows, phases)


def fold_slices(rows: list[dict], dimension: Dimension, phases: dict[int, str]) -> list[Slice]:
    by_value: dict = {}
    for row in rows:
        value = dimension.value(row[dimension.column], phases)
        by_value.setdefault(value, Figures()).add(phases.get(row["state_id"]), row["n"], row["late"])
    labels = dimension.labels(by_value)
    slices = [Slice(value, str(labels.get(value, value)), figures) for value, figures in by_value.items()]
    if dimension.natural_order:
        position = {value: index for index, value in enumerate(dimension.order(by_value))}
        slices.sort(key=lambda s: position.get(s.value, len(position)))
    else:
        slices.sort(key=lambda s: (s.value is None, -s.count, s.label.casefold()))
    return slices


@dataclass
class Crossed:
    rows: list[Slice]  # values of the first dimension, with their totals
    columns: list[Slice]  # values of the second
    cells: dict  # (row value, column value) -> count

    def cell(self, row, column) -> int:
        return self.cells.get((row, column), 0)


def count_by_pair(qs: QuerySet, first: Dimension, second: Dimension) -> tuple[Crossed, Figures]:
    """The crossed table of two dimensions (e.g. quartier × état), from one scan."""
    phases = state_phases()
    columns = dict.fromkeys((first.column, second.column))  # phase and state share state_id
    rows = grouped_counts(qs, *columns)
    cells: dict = defaultdict(int)
    for row in rows:
        key = (first.value(row[first.column], phases), second.value(row[second.column], phases))
        cells[key] += row["n"]
    crossed = Crossed(fold_slices(rows, first, phases), fold_slices(rows, second, phases), dict(cells))
    return crossed, key_figures(rows, phases)


@dataclass
class Period:
    start: date
    end: date  # last day
    count: int

    def counted(self, start: date | None, end: date | None) -> tuple[date, date]:
        """The first and last days the count covers: the period within the chosen dates."""
        return (max(self.start, start) if start else self.start, min(self.end, end) if end else self.end)


def period_start(day: date, step: str) -> date:
    return day.replace(day=1) if step == MONTH else day - timedelta(days=day.weekday())


def next_period(start: date, step: str) -> date:
    if step == WEEK:
        return start + timedelta(days=7)
    return date(start.year + start.month // 12, start.month % 12 + 1, 1)


def count_by_period(
    qs: QuerySet,
    step: str = MONTH,
    *,
    start: date | None = None,
    end: date | None = None,
) -> tuple[list[Period], Figures, bool]:
    """Requests received per month or per week (weeks start on Monday), every period
    between ``start`` and ``end`` — or the first and last receptions — present, at 0 if
    none. Returns the periods, the key figures, and whether old periods were left out
    (more than ``MAX_PERIODS``)."""
    phases = state_phases()
    trunc = TruncMonth if step == MONTH else TruncWeek
    rows = grouped_counts(qs, period=trunc("received_on"))
    counts: dict[date, int] = defaultdict(int)
    for row in rows:
        day = row["period"]
        counts[day.date() if hasattr(day, "date") else day] += row["n"]
    figures = key_figures(rows, phases)
    if not counts:
        return [], figures, False
    first, last = _bounds(counts, step, start, end)
    periods, cut = [], False
    cursor = first
    while cursor <= last:
        try:
            following = next_period(cursor, step)
        except (OverflowError, ValueError):  # the last period of year 9999
            periods.append(Period(cursor, date.max, counts.get(cursor, 0)))
            break
        periods.append(Period(cursor, following - timedelta(days=1), counts.get(cursor, 0)))
        cursor = following
    if len(periods) > MAX_PERIODS:
        periods, cut = periods[-MAX_PERIODS:], True
    return periods, figures, cut


def _bounds(counts: dict[date, int], step: str, start: date | None, end: date | None) -> tuple[date, date]:
    """The chosen period if any, else the data's; a crafted far date (year 1 or 9999)
    falls back to the data's so that a chart never has a million empty periods."""
    lowest, highest = min(counts), max(counts)
    first = period_start(start, step) if start else lowest
    # Nothing is received in the future: a later end stops at today's period.
    last = min(period_start(end, step), max(highest, period_start(timezone.localdate(), step))) if end else highest
    if first < lowest and _periods_between(first, lowest, step) > MAX_PERIODS:
        first = lowest
    if last > highest and _periods_between(highest, last, step) > MAX_PERIODS:
        last = highest
    return first, last


def _periods_between(first: date, last: date, step: str) -> int:
    if step == WEEK:
        return (last - first).days // 7
    return (last.year - first.year) * 12 + last.month - first.month
