"""Reminders (relances) to the services in charge of a request."""

from datetime import datetime

from django.db import transaction
from django.db.models import Count, Max
from django.utils import timezone
from django.utils.translation import gettext as _

from eusp.accounts.models import User
from eusp.directory.models import ACTIVE_PHASES, Service

from ..events import event_record
from ..models import EventKind, Reminder, ServiceRequest
from ..notify import notify_reminder
from ..permissions import Action
from .common import authorize, refuse, request_lock


@transaction.atomic
def request_remind(
    *, sr: ServiceRequest, actor: User | None, service: Service, message: str = "", at: datetime | None = None
) -> Reminder:
    """Remind one of the request's services; ``actor`` None is the automatic schedule.
    The mail is written to the outbox with the reminder and its timeline event."""
    if actor is not None:
        authorize(actor, Action.REMIND, sr)
    current = request_lock(sr)
    if service.pk not in (current.instructing_service_id, current.executing_service_id):
        refuse(_("Ce service n'est ni instructeur ni chargé de l'exécution de cette demande."), "service")
    if current.is_archived or current.state.phase not in ACTIVE_PHASES:
        refuse(_("On ne relance pas un service sur une demande close."))
    reminder = Reminder.objects.create(
        service_request=current,
        service=service,
        message=message.strip(),
        sent_by=actor,
        sent_at=at or timezone.now(),
        is_automatic=actor is None,
    )
    event_record(
        current,
        kind=EventKind.REMINDER,
        actor=actor,
        at=reminder.sent_at,
        note=message.strip(),
        changes={"service": {"label": str(_("service relancé")), "before": "", "after": str(service)}},
    )
    notify_reminder(reminder)
    return reminder


def reminders_per_service(sr: ServiceRequest) -> list[dict]:
    """How many reminders each service got on this request, and the last one."""
    return list(
        sr.reminders.values("service__name").annotate(count=Count("pk"), last=Max("sent_at")).order_by("service__name")
    )
