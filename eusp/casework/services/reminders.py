"""Reminders (relances) to the services in charge of a request."""

from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Max
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from eusp.accounts.models import User
from eusp.directory.models import ACTIVE_PHASES, Service
from eusp.notifications.models import OutboxMessage
from eusp.notifications.outbox import outbox_enqueue

from ..events import event_record
from ..models import EventKind, Reminder, ServiceRequest
from ..notify import service_recipients
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
    reminder_mail_enqueue(reminder)
    return reminder


def reminder_mail_enqueue(reminder: Reminder) -> int:
    """Write the reminder's mail to the outbox, in the reminder's transaction; the worker sends it."""
    sr = reminder.service_request
    link = settings.EUSP_SITE_URL.rstrip("/") + sr.get_absolute_url()
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("Relance : demande %(reference)s – %(subject)s") % {
            "reference": sr.reference,
            "subject": sr.subject,
        }
        body = _(
            "Bonjour,\n\nLe service centralisateur vous relance au sujet de la demande %(reference)s "
            "(« %(subject)s », %(place)s).\n\n%(message)s\n\nPour la consulter et indiquer où en est son "
            "traitement, connectez-vous à e-USP :\n%(link)s\n\n-- \n%(city)s"
        ) % {
            "reference": sr.reference,
            "subject": sr.subject,
            "place": sr.place or _("lieu non précisé"),
            "message": reminder.message,
            "link": link,
            "city": settings.EUSP_CITY_NAME,
        }
    queued = [
        outbox_enqueue(
            to=address,
            subject=" ".join(subject.split()),
            text=body,
            kind=OutboxMessage.Kind.REMINDER,
            service_request=sr,
            recipient=user,
        )
        for address, user in service_recipients(reminder.service)
    ]
    return sum(message is not None for message in queued)


def reminders_per_service(sr: ServiceRequest) -> list[dict]:
    """How many reminders each service got on this request, and the last one."""
    return list(
        sr.reminders.values("service__name").annotate(count=Count("pk"), last=Max("sent_at")).order_by("service__name")
    )
