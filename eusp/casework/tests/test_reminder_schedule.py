"""The automatic reminder schedule at given dates: what it sends, and nothing twice."""

import datetime

import pytest
from django.core.management import call_command

from eusp.casework.models import EventKind, ServiceRequest
from eusp.casework.services import request_instruct
from eusp.casework.services.reminder_schedule import ReminderPolicy, candidates, reminders_run
from eusp.notifications.models import OutboxMessage
from tests.factories import AgentFactory, ServiceFactory, ServiceRequestFactory

pytestmark = pytest.mark.django_db

POLICY = ReminderPolicy(first_after_days=5, every_days=5, max_reminders=2)
MONDAY = datetime.date(2026, 9, 7)  # no public holiday in the weeks below (November has two)


@pytest.fixture
def sr(central):
    roads, works = ServiceFactory(name="Voirie"), ServiceFactory(name="Régie")
    AgentFactory(username="karim", email="karim@ville.test", services=[roads])
    sr = ServiceRequestFactory(created_by=central, instructing_service=roads, executing_service=works)
    created = datetime.datetime(2026, 9, 7, 9, tzinfo=datetime.UTC)
    ServiceRequest.objects.filter(pk=sr.pk).update(created_at=created, received_on=MONDAY)
    sr.refresh_from_db()
    return sr


def _kinds(sr):
    return list(sr.events.values_list("kind", flat=True))


def test_not_instructed_in_five_working_days_reminds_the_instructing_service(sr):
    assert reminders_run(today=MONDAY + datetime.timedelta(days=7), policy=POLICY).reminded == 0  # Mon → Mon: 5 days
    report = reminders_run(today=MONDAY + datetime.timedelta(days=8), policy=POLICY)
    assert report.reminded == 1
    (reminder,) = sr.reminders.all()
    assert reminder.service == sr.instructing_service and reminder.is_automatic
    assert EventKind.REMINDER in _kinds(sr)
    mail = OutboxMessage.objects.get(kind=OutboxMessage.Kind.REMINDER)
    assert mail.to == "karim@ville.test"


def test_no_automatic_reminder_means_no_alert_to_the_central_service_either(sr, central):
    off = ReminderPolicy(first_after_days=5, every_days=5, max_reminders=0)
    mails = OutboxMessage.objects.count()
    report = reminders_run(today=MONDAY + datetime.timedelta(days=30), policy=off)
    assert (report.reminded, report.escalated) == (0, 0)
    assert OutboxMessage.objects.count() == mails
    assert not sr.reminders.exists()


def test_running_twice_the_same_day_sends_nothing_twice(sr):
    day = MONDAY + datetime.timedelta(days=8)
    reminders_run(today=day, policy=POLICY)
    events, mails = sr.events.count(), OutboxMessage.objects.count()
    assert reminders_run(today=day, policy=POLICY).reminded == 0
    assert (sr.events.count(), OutboxMessage.objects.count()) == (events, mails)


def test_again_every_five_working_days_then_the_central_service_is_alerted(sr, central):
    first = MONDAY + datetime.timedelta(days=8)  # Tue 15 Sept.
    reminders_run(today=first, policy=POLICY)
    assert reminders_run(today=first + datetime.timedelta(days=6), policy=POLICY).reminded == 0  # Mon 21: 4 days
    assert reminders_run(today=first + datetime.timedelta(days=7), policy=POLICY).reminded == 1  # Tue 22
    assert sr.reminders.count() == 2
    later = first + datetime.timedelta(days=14)
    report = reminders_run(today=later, policy=POLICY)
    assert (report.reminded, report.escalated) == (0, 1)
    alert = OutboxMessage.objects.get(to=central.email)
    assert "ne répond pas aux relances" in alert.subject
    # The alert is sent once, however often the schedule runs afterwards.
    assert reminders_run(today=later + datetime.timedelta(days=7), policy=POLICY).escalated == 0
    assert OutboxMessage.objects.filter(to=central.email).count() == 1


def test_the_daily_pass_leaves_out_in_sql_what_it_would_only_look_at(sr, central):
    """At a million requests the pass must not lock and read every late request each day."""
    first = MONDAY + datetime.timedelta(days=8)
    day = datetime.timedelta(days=1)
    assert list(candidates(first, POLICY)) == [sr.pk]
    reminders_run(today=first, policy=POLICY)
    assert list(candidates(first, POLICY)) == list(candidates(first + 4 * day, POLICY)) == []  # just reminded
    assert list(candidates(first + 7 * day, POLICY)) == [sr.pk]
    reminders_run(today=first + 7 * day, policy=POLICY)
    assert list(candidates(first + 14 * day, POLICY)) == [sr.pk]  # the maximum reached: the central service next
    assert reminders_run(today=first + 14 * day, policy=POLICY).escalated == 1
    assert list(candidates(first + 21 * day, POLICY)) == []  # nothing left to do for it


def test_past_due_work_reminds_the_executing_service(sr, central):
    agent = AgentFactory(username="instr", services=[sr.instructing_service])
    request_instruct(sr=sr, actor=agent, feasibility="feasible", due_on=datetime.date.today())
    ServiceRequest.objects.filter(pk=sr.pk).update(due_on=MONDAY + datetime.timedelta(days=3))
    reminders_run(today=MONDAY + datetime.timedelta(days=4), policy=POLICY)
    (reminder,) = sr.reminders.all()
    assert reminder.service == sr.executing_service


def test_instructed_and_on_time_requests_are_left_alone(sr):
    agent = AgentFactory(username="instr", services=[sr.instructing_service])
    request_instruct(sr=sr, actor=agent, feasibility="feasible", expected_delay_days=30)
    assert reminders_run(today=MONDAY + datetime.timedelta(days=20), policy=POLICY).reminded == 0


def test_archived_or_closed_requests_are_never_reminded(sr):
    ServiceRequest.objects.filter(pk=sr.pk).update(is_archived=True)
    assert reminders_run(today=MONDAY + datetime.timedelta(days=30), policy=POLICY).reminded == 0


def test_the_command_runs_the_schedule(sr, capsys):
    call_command("send_reminders", "--date", (MONDAY + datetime.timedelta(days=8)).isoformat())
    assert "Relances envoyées : 1" in capsys.readouterr().out
