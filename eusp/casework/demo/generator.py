"""Realistic requests and timelines for the demo city and for volume benchmarks.

Speed matters (a million requests on PostgreSQL in minutes), so the per-row work
is plain Python on tuples: names, phones and addresses come from pools drawn once
from Faker (``directory``), dates from one sorted draw, each request's row and
events (with the answers and reminders some of them record) from ``timeline``,
and rows go to the database by ``bulk_create`` or, on PostgreSQL, by ``COPY``
(``writers``).

Requests are written in chronological batches; each batch allocates its
reference numbers per year through ``reference_allocate`` inside its own
transaction, so generated data coexists with requests created interactively.
"""

import random
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, time, timedelta
from itertools import accumulate

from django.db import connection, transaction
from django.utils import timezone

from eusp.directory.models import State

from ..references import reference_allocate
from .directory import Directory, Pools
from .timeline import DAY, RequestDrawer
from .writers import write_copy, write_orm

# Requests arrive in office hours, mostly on weekdays; none between 0 h and 7 h,
# which also keeps clear of the hours that daylight-saving time skips or repeats.
HOUR_WEIGHTS = [0] * 7 + [3, 8, 10, 10, 8, 5, 6, 9, 9, 8, 6, 4, 2, 1, 1, 0.5, 0]
WEEKDAY_WEIGHTS = [1.0, 1.05, 0.95, 1.0, 0.9, 0.25, 0.08]
MONTH_WEIGHTS = [0, 0.9, 0.9, 1.05, 1.15, 1.2, 1.1, 0.85, 0.65, 1.1, 1.1, 0.95, 0.8]


class RequestGenerator:
    """Draws requests and their timelines; ``detailed`` adds the events a demo should show.

    Compact mode (benchmarks) keeps 2 to 5 events per request by carrying state
    changes on the instruction/execution events; detailed mode records them apart
    and adds reminders, comments and acknowledgements.
    """

    def __init__(self, *, seed: int, detailed: bool, now: datetime | None = None):
        self.rng = random.Random(seed)
        self.detailed = detailed
        self.now = (now or timezone.now()).astimezone(UTC)
        self.tz = timezone.get_current_timezone()
        self.directory = Directory(self.rng)
        self.pools = Pools(seed)
        self.forced_states: dict[int, State] = {}
        self.drawer = RequestDrawer(self.rng, self.directory, self.pools, detailed=detailed, now=self.now, tz=self.tz)

    def timestamps(self, count: int, years: float) -> tuple[datetime, list[int]]:
        """Sorted creation times as second offsets (local wall clock) from a local midnight."""
        rng = self.rng
        now_local = self.now.astimezone(self.tz)
        today = now_local.date()
        first_day = today - timedelta(days=round(365.25 * years))
        ndays = (today - first_day).days + 1
        weights = []
        for d in range(ndays):
            day = first_day + timedelta(days=d)
            # Slowly growing use of the service over the period.
            weights.append(WEEKDAY_WEIGHTS[day.weekday()] * MONTH_WEIGHTS[day.month] * (0.75 + 0.5 * d / ndays))
        days = rng.choices(range(ndays), cum_weights=list(accumulate(weights)), k=count)
        hours = rng.choices(range(24), weights=HOUR_WEIGHTS, k=count)
        random_ = rng.random
        offsets = [d * DAY + h * 3600 + int(random_() * 3600) for d, h in zip(days, hours, strict=True)]
        limit = (ndays - 1) * DAY + now_local.hour * 3600 + now_local.minute * 60 + now_local.second - 120
        # Today's draws past the current time move to earlier today (or yesterday evening).
        offsets = [o if o < limit else max(0, limit - rng.randint(0, 6 * 3600)) for o in offsets]
        offsets.sort()
        return datetime.combine(first_day, time(0), tzinfo=self.tz), offsets

    def force_every_state(self, count: int) -> None:
        """Pin one old request per active state, so a small demo still shows them all."""
        states = self.directory.all_states
        if count < 2 * len(states):
            return
        indices = self.rng.sample(range(count // 3), len(states))
        self.forced_states = dict(zip(indices, states, strict=True))

    def run(
        self,
        count: int,
        *,
        years: float = 3,
        batch_size: int = 5000,
        use_copy: bool | None = None,
        progress: Callable[[int, int], None] | None = None,
    ) -> tuple[int, int]:
        """Generate and write ``count`` requests; return (requests, events) written."""
        if use_copy is None:
            use_copy = connection.vendor == "postgresql"
        write = write_copy if use_copy else write_orm
        start, offsets = self.timestamps(count, years)
        done = events_total = 0
        for first in range(0, count, batch_size):
            chunk = offsets[first : first + batch_size]
            with transaction.atomic():
                rows, events, answers, reminders = self._batch(first, [start + timedelta(seconds=o) for o in chunk])
                write(rows, events, answers, reminders)
            done += len(rows)
            events_total += sum(len(e) for e in events)
            if progress:
                progress(done, events_total)
        return done, events_total

    def _batch(
        self, first_index: int, created: list[datetime]
    ) -> tuple[list[tuple], list[list[tuple]], list[list[tuple]], list[list[tuple]]]:
        """Rows of one batch, numbered per year in creation order (call inside its transaction).

        Returns the request rows and, per request, its events, answers and reminders.
        """
        per_year = Counter(dt.year for dt in created)
        next_number = {year: reference_allocate(year, n) for year, n in sorted(per_year.items())}
        rows, events, answers, reminders = [], [], [], []
        for i, created_at in enumerate(created):
            year = created_at.year
            number = next_number[year]
            next_number[year] = number + 1
            forced_state = self.forced_states.get(first_index + i)
            row, timeline, answered, reminded = self.drawer.draw(created_at, year, number, forced_state)
            rows.append(row)
            events.append(timeline)
            answers.append(answered)
            reminders.append(reminded)
        return rows, events, answers, reminders


def rate_report(done: int, events: int, elapsed: float) -> str:
    def number(value: float) -> str:
        return f"{value:,.0f}".replace(",", "\u202f")  # French thousands separator

    rate = done / elapsed if elapsed else 0
    return f"{number(done)} demandes, {number(events)} événements en {elapsed:.1f} s ({number(rate)} demandes/s)"
