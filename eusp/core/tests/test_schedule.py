"""Daily jobs of the worker: each once a day after its hour, on one machine, caught up
late, taken over from a dead worker; and the scheduler command that runs them."""

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command

from eusp.core.models import JobRun
from eusp.core.schedule import daily_jobs_run

pytestmark = pytest.mark.django_db

PARIS = ZoneInfo("Europe/Paris")
CALLS: list[str] = []


def job_ok() -> str:
    CALLS.append("ok")
    return "3 relances"


def job_broken() -> None:
    CALLS.append("broken")
    raise RuntimeError("base indisponible")


@pytest.fixture(autouse=True)
def jobs(settings):
    CALLS.clear()
    settings.EUSP_DAILY_JOBS = {"morning": (f"{__name__}.job_ok", 6), "later": (f"{__name__}.job_broken", 9)}
    settings.EUSP_JOB_TAKEOVER_SECONDS = 3600


def at(day: int, hour: int, minute: int = 0) -> datetime.datetime:
    return datetime.datetime(2026, 12, day, hour, minute, tzinfo=PARIS)


def test_a_job_runs_once_a_day_after_its_hour():
    assert daily_jobs_run(now=at(7, 5, 59)) == []
    assert daily_jobs_run(now=at(7, 6, 0)) == ["morning"]
    assert daily_jobs_run(now=at(7, 6, 1)) == []
    assert daily_jobs_run(now=at(7, 23, 0)) == []
    assert daily_jobs_run(now=at(8, 6, 30)) == ["morning"]
    assert CALLS.count("ok") == 2
    run = JobRun.objects.get(job="morning", day=datetime.date(2026, 12, 7))
    assert run.finished_at is not None and run.outcome == "3 relances"


def test_a_worker_started_late_catches_up_at_once():
    assert daily_jobs_run(now=at(7, 16)) == ["morning"]
    assert CALLS == ["ok", "broken"]


def test_a_second_worker_does_not_run_a_job_already_claimed():
    daily_jobs_run(now=at(7, 6), worker_id="machine-a")
    assert daily_jobs_run(now=at(7, 6, 1), worker_id="machine-b") == []
    assert CALLS == ["ok"]
    assert JobRun.objects.get(job="morning").claimed_by == "machine-a"


def test_a_failed_run_is_recorded_and_taken_over_after_the_timeout():
    daily_jobs_run(now=at(7, 9))
    run = JobRun.objects.get(job="later")
    assert run.finished_at is None and "base indisponible" in run.outcome
    daily_jobs_run(now=at(7, 9, 30))
    assert CALLS.count("broken") == 1  # too early to call it dead
    daily_jobs_run(now=at(7, 10, 1))
    assert CALLS.count("broken") == 2


def test_the_scheduler_command_sends_due_mail_and_runs_due_jobs(settings, smtp_server):
    from eusp.notifications.outbox import outbox_enqueue

    settings.EUSP_DAILY_JOBS = {"morning": (f"{__name__}.job_ok", 0)}
    outbox_enqueue(to="agent@ville.test", subject="Alerte", text="Bonjour")
    call_command("scheduler")
    assert [m.rcpt_tos for m in smtp_server.messages] == [["agent@ville.test"]]
    assert CALLS == ["ok"]
    call_command("scheduler")
    assert CALLS == ["ok"]


def test_the_configured_jobs_are_the_reminders_the_digests_the_exports_purge_and_the_retention_rule():
    from django.utils.module_loading import import_string

    from config.settings import base
    from eusp.casework.services.anonymisation import retention_apply
    from eusp.casework.services.reminder_schedule import reminders_run
    from eusp.notifications.digest import digests_send
    from eusp.reporting.exports.jobs import export_jobs_purge

    jobs = {name: import_string(path) for name, (path, _hour) in base.EUSP_DAILY_JOBS.items()}
    assert jobs == {
        "reminders": reminders_run,
        "digests": digests_send,
        "exports_purge": export_jobs_purge,
        "retention": retention_apply,
    }


def job_taken_over_meanwhile() -> str:
    """A run so slow that another machine took the day over while it worked."""
    JobRun.objects.filter(job="slow").update(claimed_by="machine-b", started_at=at(7, 8))
    return "fini, mais trop tard"


def test_a_run_given_up_on_does_not_mark_the_days_job_done(settings):
    settings.EUSP_DAILY_JOBS = {"slow": (f"{__name__}.job_taken_over_meanwhile", 6)}
    assert daily_jobs_run(now=at(7, 6), worker_id="machine-a") == ["slow"]
    run = JobRun.objects.get(job="slow")
    assert (run.claimed_by, run.finished_at, run.outcome) == ("machine-b", None, "")


def test_a_claimed_day_is_looked_up_without_inserting(django_assert_num_queries):
    daily_jobs_run(now=at(7, 10))
    with django_assert_num_queries(2):  # one lookup per job, no INSERT hitting the constraint
        assert daily_jobs_run(now=at(7, 10, 5)) == []
