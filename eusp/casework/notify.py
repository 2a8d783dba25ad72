"""Who hears about a request, and what they read: alerts on creation and (re)assignment,
reminders to services, the central service's alert when reminders go unanswered, and
the e-mail answer to the citizen.

Called by the services inside their transaction: the mail is written to the outbox
with the event that causes it, and the worker delivers it.
"""

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from eusp.accounts.models import Profile, User
from eusp.core.city_settings import city_settings
from eusp.directory.models import Service
from eusp.notifications.digest import alert_queue
from eusp.notifications.models import OutboxMessage
from eusp.notifications.outbox import outbox_enqueue

from .models import Answer, Reminder, ServiceRequest

# With the request's and the service's ids: the central service is alerted once per pair.
ESCALATION_KEY = "reminders-unanswered"


def request_link(sr: ServiceRequest) -> str:
    return settings.EUSP_SITE_URL.rstrip("/") + sr.get_absolute_url()


def _enqueue(sr: ServiceRequest, recipients, *, subject: str, text: str, kind, html: str = "", dedupe_key=None) -> int:
    """One mail per (address, user), or a line in their digest; returns how many were kept."""
    queued = [
        alert_queue(
            to=address,
            subject=" ".join(subject.split()),  # one line: no header injection from a subject
            text=text,
            html=html,
            kind=kind,
            service_request=sr,
            recipient=user,
            dedupe_key=dedupe_key,
        )
        for address, user in recipients
    ]
    return sum(message is not None for message in queued)


def service_recipients(service: Service) -> list[tuple[str, User | None]]:
    """A service is reached through its active members; its shared mailbox when it has none."""
    members = [(u.email, u) for u in service.members.filter(is_active=True).exclude(email="")]
    if members:
        return members
    return [(address, None) for address in service.email_addresses]


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
    for address, (user, reasons) in alert_recipients(sr, roles).items():
        if actor is not None and user is not None and user.pk == actor.pk:
            continue  # nobody is alerted about their own action
        with translation.override(settings.LANGUAGE_CODE):
            context = {
                "sr": sr,
                "link": request_link(sr),
                "reasons": reasons,
                "is_new": is_new,
                "city": city_settings().city_name,
            }
            template = (
                _("Nouvelle demande %(reference)s : %(subject)s")
                if is_new
                else _("Demande %(reference)s confiée : %(subject)s")
            )
            subject = template % {"reference": sr.reference, "subject": sr.subject}
            text = render_to_string("emails/request_alert.txt", context)
            html = render_to_string("emails/request_alert.html", context)
        count += _enqueue(sr, [(address, user)], subject=subject, text=text, html=html, kind=OutboxMessage.Kind.ALERT)
    return count


def notify_reminder(reminder: Reminder) -> int:
    """The reminder's mail to its service, written in the reminder's transaction."""
    sr = reminder.service_request
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
            "link": request_link(sr),
            "city": city_settings().city_name,
        }
    recipients = service_recipients(reminder.service)
    return _enqueue(sr, recipients, subject=subject, text=body, kind=OutboxMessage.Kind.REMINDER)


def notify_reminders_unanswered(sr: ServiceRequest, service: Service, count: int) -> int:
    """Tell the central service, once per request and service, that reminders went unanswered."""
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("Demande %(reference)s : %(service)s ne répond pas aux relances") % {
            "reference": sr.reference,
            "service": service,
        }
        text = _(
            "Bonjour,\n\nLe service %(service)s a été relancé %(count)s fois sans suite sur la demande "
            "%(reference)s (« %(subject)s »).\n\n%(link)s\n\n-- \ne-USP"
        ) % {
            "service": service,
            "count": count,
            "reference": sr.reference,
            "subject": sr.subject,
            "link": request_link(sr),
        }
    central = User.objects.filter(profile=Profile.CENTRAL, is_active=True).exclude(email="")
    return _enqueue(
        sr,
        [(user.email, user) for user in central],
        subject=subject,
        text=text,
        kind=OutboxMessage.Kind.REMINDER,
        dedupe_key=f"{ESCALATION_KEY}:{sr.pk}:{service.pk}",
    )


def notify_answer(answer: Answer) -> OutboxMessage:
    """The e-mail answer to the citizen: the text as written, then who sent it and the
    reference to quote, since the sender address takes no replies."""
    sr = answer.service_request
    with translation.override(settings.LANGUAGE_CODE):
        signature = _("Service centralisateur – %(city)s\nRéférence de votre demande : %(reference)s") % {
            "city": city_settings().city_name,
            "reference": sr.reference,
        }
    return outbox_enqueue(
        to=answer.recipient_email,
        subject=answer.subject,
        text=f"{answer.text}\n\n-- \n{signature}\n",
        kind=OutboxMessage.Kind.ANSWER,
        service_request=sr,
    )
