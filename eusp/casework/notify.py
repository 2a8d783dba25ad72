"""Who hears about a request, and what they read: alerts on creation and (re)assignment.

Called by the services inside their transaction: the mail is written to the outbox
with the event that causes it, and the worker delivers it.
"""

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from eusp.accounts.models import User
from eusp.directory.models import Service
from eusp.notifications.models import OutboxMessage
from eusp.notifications.outbox import outbox_enqueue

from .models import ServiceRequest


def service_recipients(service: Service) -> list[tuple[str, User | None]]:
    """A service is reached through its active members; its shared mailbox when it has none."""
    members = [(u.email, u) for u in service.members.filter(is_active=True).exclude(email="")]
    if members:
        return members
    return [(service.email, None)] if service.email else []


def alert_recipients(sr: ServiceRequest, roles: set[str]) -> dict[str, tuple[User | None, list[str]]]:
    """Addresses for the given roles (instructing, executing, referent) → (user, why)."""
    found: dict[str, tuple[User | None, list[str]]] = {}

    def add(address: str, user: User | None, why: str) -> None:
        found.setdefault(address.lower(), (user, []))[1].append(why)

    if "instructing" in roles and sr.instructing_service:
        for address, user in service_recipients(sr.instructing_service):
            add(address, user, _("service instructeur"))
    if "executing" in roles and sr.executing_service:
        for address, user in service_recipients(sr.executing_service):
            add(address, user, _("service exécution"))
    if "referent" in roles and sr.referent_official and sr.referent_official.email:
        add(sr.referent_official.email, sr.referent_official, _("élu référent"))
    return found


def alert_request(sr: ServiceRequest, *, roles: set[str], is_new: bool, actor: User | None = None) -> int:
    """Queue the « new request » / « request assigned to you » alert; returns how many mails."""
    count = 0
    link = settings.EUSP_SITE_URL.rstrip("/") + sr.get_absolute_url()
    for address, (user, reasons) in alert_recipients(sr, roles).items():
        if actor is not None and user is not None and user.pk == actor.pk:
            continue  # nobody is alerted about their own action
        with translation.override(settings.LANGUAGE_CODE):
            context = {"sr": sr, "link": link, "reasons": reasons, "is_new": is_new, "city": settings.EUSP_CITY_NAME}
            template = (
                _("Nouvelle demande %(reference)s : %(subject)s")
                if is_new
                else _("Demande %(reference)s confiée : %(subject)s")
            )
            subject = template % {"reference": sr.reference, "subject": sr.subject}
            text = render_to_string("emails/request_alert.txt", context)
            html = render_to_string("emails/request_alert.html", context)
        queued = outbox_enqueue(
            to=address,
            subject=" ".join(subject.split()),
            text=text,
            html=html,
            kind=OutboxMessage.Kind.ALERT,
            service_request=sr,
            recipient=user,
        )
        count += queued is not None
    return count
