"""Reminders (relances) to the services in charge of a request."""

import logging

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Count, Max
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from eusp.accounts.models import User
from eusp.directory.models import ACTIVE_PHASES, Service

from ..events import event_record
from ..models import EventKind, Reminder, ServiceRequest
from ..permissions import Action
from .common import authorize, refuse, request_lock

logger = logging.getLogger(__name__)


@transaction.atomic
def request_remind(*, sr: ServiceRequest, actor: User | None, service: Service, message: str = "") -> Reminder:
    """Remind one of the request's services; ``actor`` None is the automatic schedule.

    The mail itself goes through the notifications layer (outbox) once it exists.
    """
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
        sent_at=timezone.now(),
        is_automatic=actor is None,
    )
    event_record(
        current,
        kind=EventKind.REMINDER,
        actor=actor,
        note=message.strip(),
        changes={"service": {"label": str(_("service relancé")), "before": "", "after": str(service)}},
    )
    if service.email:
        transaction.on_commit(lambda: reminder_deliver(reminder.pk))
    return reminder


def reminder_deliver(reminder_id: int) -> bool:
    """Mail a reminder to its service's address; never raises (the action is recorded anyway).

    Until the notifications outbox exists, a failure is logged and the reminder stays on
    the timeline, where the central service sees it was made.
    """
    reminder = Reminder.objects.select_related("service_request", "service", "sent_by").get(pk=reminder_id)
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
    try:
        EmailMessage(subject=" ".join(subject.split()), body=body, to=[reminder.service.email]).send()
    except Exception as error:  # SMTP down or refusing: the user's action must not fail
        logger.warning("Reminder %s: e-mail to %s failed: %r", reminder.pk, reminder.service.email, error)
        return False
    return True


def reminders_per_service(sr: ServiceRequest) -> list[dict]:
    """How many reminders each service got on this request, and the last one."""
    return list(
        sr.reminders.values("service__name").annotate(count=Count("pk"), last=Max("sent_at")).order_by("service__name")
    )
