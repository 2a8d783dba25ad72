"""Daily jobs run by the worker: each job once a day, after its hour, on one machine.

``EUSP_DAILY_JOBS`` maps a job's name to the function to call and the local hour after
which it runs. A ``JobRun`` row claims (job, day): the first worker to insert it runs the
job, the others skip it; a run still unfinished after ``EUSP_JOB_TAKEOVER_SECONDS`` is a
dead worker's and is run again (the jobs themselves are idempotent). A worker started
late in the day catches up at once.
"""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from .models import JobRun

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class DailyJob:
    name: str
    function: str  # dotted path, so core does not import the apps whose jobs it runs
    hour: int


def daily_jobs() -> list[DailyJob]:
    return [DailyJob(name, path, int(hour)) for name, (path, hour) in settings.EUSP_DAILY_JOBS.items()]


def daily_jobs_run(*, now: datetime | None = None, worker_id: str = "") -> list[str]:
    """Run every job due at ``now`` and not yet run today; returns the names of those run."""
    now = timezone.localtime(now or timezone.now())
    ran = []
    for job in daily_jobs():
        if now.hour < job.hour or not _claim(job.name, now, worker_id):
            continue
        # Only the current claimer records the outcome: a run taken over from it (it was
        # too slow) must not be marked done by the one that was given up on.
        this_run = JobRun.objects.filter(job=job.name, day=now.date(), claimed_by=worker_id, started_at=now)
        try:
            outcome = import_string(job.function)()
        except Exception as exc:
            # Left unfinished: taken over after the timeout, by this worker or another.
            logger.exception("Daily job %s failed", job.name)
            this_run.update(outcome=f"{type(exc).__name__}: {exc}"[:2000])
            continue
        this_run.update(finished_at=timezone.now(), outcome=str(outcome))
        ran.append(job.name)
    return ran


def _claim(name: str, now: datetime, worker_id: str) -> bool:
    """Take today's run of the job: the first to insert its row, or whoever finds it
    unfinished and stale. Looked up first, so that the schedulers ticking all day long
    do not hit the unique constraint (an error line in PostgreSQL's log each time)."""
    day = now.date()
    stale = now - timedelta(seconds=settings.EUSP_JOB_TAKEOVER_SECONDS)
    run = JobRun.objects.filter(job=name, day=day).values("finished_at", "started_at").first()
    if run is None:
        try:
            with transaction.atomic():
                JobRun.objects.create(job=name, day=day, started_at=now, claimed_by=worker_id)
            return True
        except IntegrityError:
            return False  # another machine inserted it a moment ago
    if run["finished_at"] is not None or run["started_at"] >= stale:
        return False
    taken = JobRun.objects.filter(job=name, day=day, finished_at__isnull=True, started_at__lt=stale).update(
        started_at=now, claimed_by=worker_id
    )
    return bool(taken)
