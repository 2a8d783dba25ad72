"""Writing mail to the outbox: in the caller's transaction, delivered after it commits."""

import logging
from functools import partial

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from eusp.accounts.models import User
from eusp.casework.models import ServiceRequest

from .models import OutboxMessage
from .tasks import outbox_deliver_task

logger = logging.getLogger(__name__)


def outbox_enqueue(
    *,
    to: str,
    subject: str,
    text: str,
    html: str = "",
    kind: OutboxMessage.Kind | str = OutboxMessage.Kind.OTHER,
    service_request: ServiceRequest | None = None,
    recipient: User | None = None,
    dedupe_key: str | None = None,
) -> OutboxMessage | None:
    """Write one mail to one address, to be sent once the caller's transaction commits.

    Called inside the transaction that records the event, so the mail exists if and only
    if the event does. Returns None, writing nothing, for a deactivated user, an empty
    address, or a ``dedupe_key`` already used for this address (scheduled mail run twice).
    """
    to = (to or "").strip()
    if not to:
        logger.info("Outbox: no address for %r, %r not written", recipient, subject)
        return None
    if recipient is not None and not recipient.is_active:
        return None
    with transaction.atomic():
        if dedupe_key is not None and OutboxMessage.objects.filter(dedupe_key=dedupe_key, to=to).exists():
            return None
        try:
            # A savepoint, so that losing a race on the dedupe key leaves the caller's
            # transaction usable.
            with transaction.atomic():
                message = OutboxMessage.objects.create(
                    kind=kind,
                    to=to,
                    recipient=recipient,
                    service_request=service_request,
                    subject=subject,
                    body_text=text,
                    body_html=html,
                    dedupe_key=dedupe_key,
                    next_attempt_at=timezone.now(),
                )
        except IntegrityError:
            if dedupe_key is None:
                raise
            return None
        transaction.on_commit(partial(_delivery_enqueue, message.pk))
    return message


def outbox_resend(message: OutboxMessage) -> OutboxMessage:
    """Put a failed (or still pending) mail back in the queue, due now, with a fresh count
    of attempts: the central service's « Renvoyer »."""
    if not message.to:
        raise ResendRefused(str(ERASED_REFUSAL))
    resendable = [OutboxMessage.Status.FAILED, OutboxMessage.Status.PENDING]
    _requeue(OutboxMessage.objects.filter(pk=message.pk, status__in=resendable), message.pk)
    message.refresh_from_db()
    return message


def outbox_resend_failed() -> int:
    """Every failed mail back in the queue at once (after an SMTP outage is fixed)."""
    return _requeue(OutboxMessage.objects.filter(status=OutboxMessage.Status.FAILED))


def _requeue(messages, message_id: int | None = None) -> int:
    """Due now, with a fresh count of attempts; the worker is asked once the change commits."""
    with transaction.atomic():
        # A mail whose address was erased (data protection) has nowhere to go.
        count = messages.exclude(to="").update(
            status=OutboxMessage.Status.PENDING, attempts=0, next_attempt_at=timezone.now()
        )
        if count:
            transaction.on_commit(partial(_delivery_enqueue, message_id))
    return count


ERASED_REFUSAL = gettext_lazy("Ce courriel a été effacé (données personnelles) : il ne peut pas être renvoyé.")


class ResendRefused(Exception):
    """Why a mail is not sent again (a message for the user)."""


def outbox_copy(message: OutboxMessage) -> OutboxMessage:
    """A sent mail sent again, as a new row (« l'usager ne l'a pas reçue »): the first
    stays as the record of what was sent and when. One copy at a time: a double click,
    or two people at once, queue one copy."""
    with transaction.atomic():
        original = OutboxMessage.objects.select_for_update(of=("self",)).select_related("recipient").get(pk=message.pk)
        if not original.to:
            raise ResendRefused(str(ERASED_REFUSAL))
        if original.recipient is not None and not original.recipient.is_active:
            raise ResendRefused(_("Le compte du destinataire est désactivé : aucune copie n'est envoyée."))
        waiting = [OutboxMessage.Status.PENDING, OutboxMessage.Status.SENDING]
        if original.copies.filter(status__in=waiting).exists():
            raise ResendRefused(_("Une copie de ce courriel est déjà en file d'envoi."))
        copy = OutboxMessage.objects.create(
            kind=original.kind,
            to=original.to,
            recipient=original.recipient,
            service_request=original.service_request,
            subject=original.subject,
            body_text=original.body_text,
            body_html=original.body_html,
            copy_of=original,
        )
        transaction.on_commit(partial(_delivery_enqueue, copy.pk))
    return copy


def _delivery_enqueue(message_id: int | None) -> None:
    """Ask the worker to deliver now. A queue problem must never fail the user's action:
    the mail is safe in the outbox and the periodic flush (outbox_deliver) sends it."""
    try:
        outbox_deliver_task.enqueue(message_id=message_id)
    except Exception:
        logger.exception("Outbox: could not enqueue delivery of message %s; the periodic flush will", message_id)
