"""Automatic reminders (relances): a request past its due date, or still not instructed
after a few working days, gets a reminder to the service concerned, again every few
working days, at most a few times; then the central service is alerted.

Run daily (``manage.py send_reminders``). Running it twice the same day sends nothing
twice: each step is decided under the request's row lock from the reminders already
recorded, and the central alert carries a dedupe key.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.db.models import Case, CharField, Count, Exists, F, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Cast, Coalesce, Concat
from django.utils import timezone
from django.utils.translation import gettext as _

from eusp.core.city_settings import city_settings
from eusp.core.working_days import add_working_days, working_days_between
from eusp.directory.models import ACTIVE_PHASES, Service
from eusp.notifications.models import DigestEntry, OutboxMessage

from ..models import Reminder, ServiceRequest
from ..notify import ESCALATION_KEY, notify_reminders_unanswered
from .common import request_lock
from .reminders import request_remind


@dataclass(frozen=True)
class ReminderPolicy:
    first_after_days: int  # working days without instruction before the first reminder
    every_days: int  # working days between two reminders to the same service
    max_reminders: int  # automatic reminders per service and request, then the central service is told

    @classmethod
    def from_settings(cls) -> "ReminderPolicy":
        """The delays the central service set in /administration/parametres/, read afresh."""
        city = city_settings(fresh=True)
        return cls(city.reminder_first_after_days, city.reminder_every_days, city.reminder_max)


@dataclass
class ScheduleReport:
    reminded: int = 0
    escalated: int = 0


def _due_service(sr: ServiceRequest, today: date, policy: ReminderPolicy) -> Service | None:
    """The service to remind, or None: late work goes to the executing service, a request
    never instructed to the instructing one."""
    if sr.due_on is not None and sr.due_on < today:
        return sr.executing_service or sr.instructing_service
    not_instructed_since = add_working_days(timezone.localdate(sr.created_at), policy.first_after_days)
    if not sr.feasibility and not_instructed_since < today:
        return sr.instructing_service
    return None


def candidates(today: date, policy: ReminderPolicy):
    """Live requests that may need a reminder today (a superset; each is decided under lock).

    SQL leaves out, at a million requests, those the daily pass would only look at to do
    nothing: reminded too recently (fewer calendar days than the interval's working days
    is always too recent), or reminded the maximum number of times with the central
    service already alerted."""
    oldest_uninstructed = timezone.now() - timezone.timedelta(days=policy.first_after_days)
    recent_since = timezone.make_aware(datetime.combine(today - timedelta(days=policy.every_days - 1), time.min))
    # The service _due_service would pick: late work to the executing service, else instruction.
    due_service = Case(
        When(due_on__lt=today, then=Coalesce("executing_service", "instructing_service")),
        default=F("instructing_service"),
    )
    to_due_service = Reminder.objects.filter(service_request=OuterRef("pk"), service=OuterRef("due_service"))
    automatic_count = (
        to_due_service.filter(is_automatic=True)
        .order_by()
        .values("service_request")
        .annotate(n=Count("pk"))
        .values("n")
    )
    escalated = Exists(OutboxMessage.objects.filter(dedupe_key=OuterRef("escalation_key"))) | Exists(
        DigestEntry.objects.filter(dedupe_key=OuterRef("escalation_key"))
    )
    return (
        ServiceRequest.objects.filter(is_archived=False, state__phase__in=ACTIVE_PHASES)
        .filter(Q(due_on__lt=today) | Q(feasibility="", created_at__lt=oldest_uninstructed))
        .exclude(instructing_service__isnull=True, executing_service__isnull=True)
        .annotate(
            due_service=due_service,
            escalation_key=Concat(
                Value(f"{ESCALATION_KEY}:"), Cast("pk", CharField()), Value(":"), Cast(due_service, CharField())
            ),
        )
        .exclude(Exists(to_due_service.filter(sent_at__gte=recent_since)))
        .annotate(automatic=Coalesce(Subquery(automatic_count), 0), escalated=escalated)
        .exclude(automatic__gte=policy.max_reminders, escalated=True)
        .values_list("pk", flat=True)
        .order_by("pk")
    )


def reminders_run(*, today: date | None = None, policy: ReminderPolicy | None = None) -> ScheduleReport:
    today = today or timezone.localdate()
    policy = policy or ReminderPolicy.from_settings()
    report = ScheduleReport()
    if policy.max_reminders == 0:
        return report  # the city turned automatic reminders off: nothing to send, nobody to alert
    for pk in candidates(today, policy).iterator(chunk_size=500):
        outcome = _remind_one(pk, today, policy)
        report.reminded += outcome == "reminded"
        report.escalated += outcome == "escalated"
    return report


@transaction.atomic
def _remind_one(pk: int, today: date, policy: ReminderPolicy) -> str:
    sr = request_lock(ServiceRequest(pk=pk))  # decisions below see every reminder already made
    if sr.is_archived or sr.state.phase not in ACTIVE_PHASES:
        return ""
    service = _due_service(sr, today, policy)
    if service is None:
        return ""
    sent = list(sr.reminders.filter(service=service).order_by("sent_at").values_list("sent_at", "is_automatic"))
    automatic = sum(1 for _at, is_auto in sent if is_auto)
    if sent and working_days_between(timezone.localdate(sent[-1][0]), today) < policy.every_days:
        return ""
    if automatic >= policy.max_reminders:
        return "escalated" if notify_reminders_unanswered(sr, service, automatic) else ""
    message = _("Relance automatique n° %(n)s.") % {"n": automatic + 1}
    # The schedule run for another day (a catch-up, a test) dates its reminder that day.
    at = None if today == timezone.localdate() else timezone.make_aware(datetime.combine(today, time(8)))
    request_remind(sr=sr, actor=None, service=service, message=message, at=at)
    return "reminded"
