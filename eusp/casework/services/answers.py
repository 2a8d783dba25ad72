"""Answers to the citizen (réponses à l'usager): placeholders, the record, the e-mail.

An answer is a record whatever its channel. An e-mail answer is also written to the
outbox in the same transaction, and the worker sends it: a mail server that is down
delays it (retries, then « échec » with a « Renvoyer »), never fails the user's action.
"""

import logging
import re
from datetime import date

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from eusp.accounts.models import User
from eusp.core.city_settings import city_settings

from ..events import event_record
from ..models import Answer, AnswerChannel, EventKind, ServiceRequest
from ..notify import notify_answer
from ..permissions import Action
from .common import authorize, refuse, request_lock

logger = logging.getLogger(__name__)

# What each placeholder stands for, shown to whoever writes a text or a template.
ANSWER_PLACEHOLDERS = {
    "civilite": gettext_lazy("civilité du demandeur (« Madame, Monsieur » si elle n'est pas connue)"),
    "prenom": gettext_lazy("prénom du demandeur"),
    "nom": gettext_lazy("nom du demandeur"),
    "demandeur": gettext_lazy("civilité, prénom et nom du demandeur"),
    "reference": gettext_lazy("référence de la demande"),
    "objet": gettext_lazy("objet de la demande"),
    "adresse": gettext_lazy("adresse du lieu concerné"),
    "quartier": gettext_lazy("quartier"),
    "date_reception": gettext_lazy("date de réception de la demande"),
    "date_saisie": gettext_lazy("date de saisie de la demande"),
    "date_jour": gettext_lazy("date du jour"),
    "service_instructeur": gettext_lazy("service instructeur"),
    "service_execution": gettext_lazy("service exécution"),
    "echeance": gettext_lazy("échéance prévue"),
    "ville": gettext_lazy("nom de la collectivité"),
}

# Only {lowercase_word} is a placeholder: any other brace (citizen text, JSON, a
# typo) is plain text, and an unknown name is left as typed.
PLACEHOLDER_PATTERN = re.compile(r"\{([a-z_]+)\}")

DEFAULT_SUBJECT = gettext_lazy("Votre demande {reference}")


def _french_date(value: date | None) -> str:
    return value.strftime("%d/%m/%Y") if value else ""


def answer_placeholders(sr: ServiceRequest) -> dict[str, str]:
    """The values of every placeholder for this request, in the city's language."""
    # The citizen reads the answer in the city's language, whatever the writer's interface.
    with translation.override(settings.LANGUAGE_CODE):
        civility = sr.get_requester_civility_display() if sr.requester_civility else _("Madame, Monsieur")
        requester = sr.requester_name
    return {
        "civilite": str(civility),
        "prenom": sr.requester_first_name,
        "nom": sr.requester_last_name,
        "demandeur": requester,
        "reference": sr.reference,
        "objet": sr.subject,
        "adresse": sr.place,
        "quartier": str(sr.district) if sr.district_id else "",
        "date_reception": _french_date(sr.received_on),
        "date_saisie": _french_date(timezone.localdate(sr.created_at) if sr.created_at else None),
        "date_jour": _french_date(timezone.localdate()),
        "service_instructeur": str(sr.instructing_service) if sr.instructing_service_id else "",
        "service_execution": str(sr.executing_service) if sr.executing_service_id else "",
        "echeance": _french_date(sr.due_on),
        "ville": city_settings().city_name,
    }


def answer_render(template_text: str, sr: ServiceRequest, placeholders: dict[str, str] | None = None) -> str:
    """The text with each known {placeholder} replaced, in one pass.

    One pass means a value is never scanned again: a citizen who typed "{nom}" in
    the subject gets "{nom}" back, not their name.
    """
    values = answer_placeholders(sr) if placeholders is None else placeholders
    return PLACEHOLDER_PATTERN.sub(lambda match: values.get(match.group(1), match.group(0)), template_text)


def _check(*, sr: ServiceRequest, channel: str, text: str, subject: str, answered_on: date | None) -> None:
    if channel not in AnswerChannel.values:
        refuse(_("Choisissez le canal de la réponse."), "channel")
    if not text.strip():
        refuse(_("Saisissez le texte de la réponse."), "text")
    if len(subject) > Answer._meta.get_field("subject").max_length:
        refuse(_("L'objet ne doit pas dépasser 200 caractères."), "subject")
    if answered_on is None:
        refuse(_("Indiquez la date de la réponse."), "answered_on")
    if answered_on > timezone.localdate():
        refuse(_("La date de la réponse ne peut pas être dans le futur."), "answered_on")
    if answered_on < sr.received_on:
        refuse(_("La date de la réponse ne peut pas précéder la réception de la demande."), "answered_on")
    if channel == AnswerChannel.EMAIL and not sr.requester_email.strip():
        refuse(
            _(
                "Le demandeur n'a pas d'adresse e-mail : renseignez d'abord son e-mail sur la demande, "
                "ou choisissez un autre canal."
            ),
            "channel",
        )


def _answer_one(
    *, sr: ServiceRequest, actor: User, channel: str, text: str, subject: str, answered_on: date, changes: dict
) -> Answer:
    """Record one answer and its timeline event; queue the e-mail for after the commit."""
    placeholders = answer_placeholders(sr)
    is_email = channel == AnswerChannel.EMAIL
    if not subject and channel in (AnswerChannel.EMAIL, AnswerChannel.LETTER):
        with translation.override(settings.LANGUAGE_CODE):
            subject = str(DEFAULT_SUBJECT)
    answer = Answer.objects.create(
        service_request=sr,
        channel=channel,
        answered_on=answered_on,
        recipient_email=sr.requester_email if is_email else "",
        # One line: a line break in a mail header is refused (and is header injection).
        subject=" ".join(answer_render(subject, sr, placeholders).split())[:200],
        text=answer_render(text, sr, placeholders),
        author=actor,
    )
    event_changes = {
        "channel": {"label": _("Canal"), "before": "", "after": str(AnswerChannel(channel).label)},
        "answered_on": {"label": _("Date de la réponse"), "before": "", "after": _french_date(answered_on)},
    }
    if is_email:
        event_changes["recipient_email"] = {"label": _("Destinataire"), "before": "", "after": answer.recipient_email}
    event_record(sr, kind=EventKind.ANSWER, actor=actor, note=answer.text, changes={**event_changes, **changes})
    _first_answer_keep(sr, answered_on)
    if is_email:
        answer.outbox_message = notify_answer(answer)
        answer.save(update_fields=["outbox_message"])
    return answer


def _first_answer_keep(sr: ServiceRequest, answered_on: date) -> None:
    """Keep the request's first answer date (the delay statistics read it): set by its
    first answer; a later one leaves it, one dated earlier (a letter recorded late)
    moves it back, so it is always the earliest answer's date."""
    if sr.first_answered_on is not None and sr.first_answered_on <= answered_on:
        return
    sr.first_answered_on = answered_on
    # Conditional in SQL: a duplicate answered along with its original is not locked, and
    # a concurrent answer must not move the date forward.
    earlier = Q(first_answered_on__isnull=True) | Q(first_answered_on__gt=answered_on)
    ServiceRequest.objects.filter(earlier, pk=sr.pk).update(first_answered_on=answered_on)


@transaction.atomic
def request_answer(
    *,
    sr: ServiceRequest,
    actor: User,
    channel: str,
    text: str,
    answered_on: date | None,
    subject: str = "",
    include_duplicates: bool = False,
) -> list[Answer]:
    """Answer the citizen, and optionally every request marked as a duplicate of this one.

    ``text`` and ``subject`` may hold placeholders: each request answered gets them
    filled with its own requester's details. Returns the answers recorded, this
    request's first; a duplicate whose requester has no e-mail is not answered by
    e-mail, which this request's timeline event says.
    """
    authorize(actor, Action.ANSWER, sr)
    sr = request_lock(sr)
    text, subject = text.strip(), subject.strip()
    _check(sr=sr, channel=channel, text=text, subject=subject, answered_on=answered_on)

    duplicates, skipped = [], []
    if include_duplicates:
        for duplicate in sr.duplicates.select_related("district", "instructing_service", "executing_service"):
            if channel == AnswerChannel.EMAIL and not duplicate.requester_email.strip():
                skipped.append(duplicate)
            else:
                duplicates.append(duplicate)
    changes = {}
    if duplicates:
        changes["answered_duplicates"] = {
            "label": _("Réponse aussi aux doublons"),
            "before": "",
            "after": ", ".join(d.reference for d in duplicates),
        }
    if skipped:
        changes["duplicates_without_email"] = {
            "label": _("Doublons sans e-mail, non répondus"),
            "before": "",
            "after": ", ".join(d.reference for d in skipped),
        }

    common = {"actor": actor, "channel": channel, "text": text, "subject": subject, "answered_on": answered_on}
    answers = [_answer_one(sr=sr, changes=changes, **common)]
    for duplicate in duplicates:
        shared = {"answered_with": {"label": _("Réponse commune avec"), "before": "", "after": sr.reference}}
        answers.append(_answer_one(sr=duplicate, changes=shared, **common))
    return answers


def answer_duplicates_without_email(sr: ServiceRequest) -> list[ServiceRequest]:
    """Duplicates an e-mail answer cannot reach, to warn before answering."""
    return list(sr.duplicates.filter(requester_email="").only("reference"))
