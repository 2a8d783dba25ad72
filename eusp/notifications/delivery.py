"""Delivering the outbox: claim due rows, send each through SMTP, record the outcome.

Several workers may drain one outbox: a row is claimed (status "sending", claimed_by) in
a short transaction with ``SELECT … FOR UPDATE SKIP LOCKED``, so no two workers take the
same row on PostgreSQL; on SQLite the IMMEDIATE transactions serialise the claims.
Delivery is at least once: a worker that dies between the SMTP "250" and the status
update leaves a "sending" row that is taken again after EUSP_MAIL_CLAIM_TIMEOUT_SECONDS;
its stable Message-ID lets the receiving side recognise the repeat.
"""

import contextlib
import logging
import os
import socket
import threading
from collections.abc import Sequence
from datetime import timedelta
from email.utils import formataddr
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from eusp.core.city_settings import city_settings

from .models import OutboxMessage

logger = logging.getLogger(__name__)

Status = OutboxMessage.Status
ERROR_MAX_CHARS = 2000
RECIPIENT_DEACTIVATED = "Non envoyé : le compte du destinataire a été désactivé."
INTERRUPTED = "Envoi interrompu : le processus d'envoi s'est arrêté avant d'en connaître l'issue."


def worker_id_default() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"


def outbox_claim(*, batch: int = 50, worker_id: str) -> list[int]:
    """Take up to ``batch`` due rows for ``worker_id`` and return their ids (oldest due first).

    A stale claim is a worker that died while sending: that counts as an attempt, so a
    mail that kills every worker ends failed and visible instead of being taken for ever.
    """
    now = timezone.now()
    stale_before = now - timedelta(seconds=settings.EUSP_MAIL_CLAIM_TIMEOUT_SECONDS)
    pending = Q(status=Status.PENDING, next_attempt_at__lte=now)
    stale = Q(status=Status.SENDING, claimed_at__lt=stale_before)
    with transaction.atomic():
        rows = list(
            OutboxMessage.objects.select_for_update(skip_locked=True)
            .filter(pending | stale)
            .order_by("next_attempt_at", "pk")
            .values_list("pk", "status", "attempts")[:batch]
        )
        interrupted = [(pk, attempts + 1) for pk, status, attempts in rows if status == Status.SENDING]
        exhausted = {pk for pk, attempts in interrupted if attempts >= settings.EUSP_MAIL_MAX_ATTEMPTS}
        if interrupted:
            OutboxMessage.objects.filter(pk__in=[pk for pk, _ in interrupted]).update(
                attempts=F("attempts") + 1, last_error=INTERRUPTED
            )
        if exhausted:
            OutboxMessage.objects.filter(pk__in=exhausted).update(status=Status.FAILED, claimed_by="")
        ids = [pk for pk, _, _ in rows if pk not in exhausted]
        if ids:
            OutboxMessage.objects.filter(pk__in=ids).update(status=Status.SENDING, claimed_by=worker_id, claimed_at=now)
    return ids


def outbox_deliver(message_id: int, *, worker_id: str | None = None, connection=None) -> bool:
    """Send one message; True if the SMTP server accepted it. Never raises.

    With ``worker_id``, the row must already be claimed by that worker (outbox_claim);
    without, it is claimed here if it is pending. Failure counts an attempt and sets the
    next one after the backoff, or marks the row failed after the last attempt.
    """
    try:
        if worker_id is None:
            worker_id = worker_id_default()
            claimed = OutboxMessage.objects.filter(pk=message_id, status=Status.PENDING).update(
                status=Status.SENDING, claimed_by=worker_id, claimed_at=timezone.now()
            )
            if not claimed:
                return False
        message = (
            OutboxMessage.objects.select_related("recipient")
            .filter(pk=message_id, status=Status.SENDING, claimed_by=worker_id)
            .first()
        )
        if message is None:
            return False
        if message.recipient is not None and not message.recipient.is_active:
            OutboxMessage.objects.filter(pk=message.pk, claimed_by=worker_id).update(
                status=Status.CANCELLED, last_error=RECIPIENT_DEACTIVATED
            )
            return False
    except Exception:
        logger.exception("Outbox: could not load message %s", message_id)
        return False
    try:
        if _email(message, connection).send(fail_silently=False) != 1:
            raise RuntimeError("the mail backend accepted nothing")
    except Exception as exc:
        if connection is not None:
            # After an SMTP error the session state is uncertain: start the next one afresh.
            _close_quietly(connection)
        _failure_record(message, worker_id, exc)
        return False
    try:
        OutboxMessage.objects.filter(pk=message.pk, status=Status.SENDING, claimed_by=worker_id).update(
            status=Status.SENT, sent_at=timezone.now(), attempts=message.attempts + 1, last_error=""
        )
    except Exception:
        # Sent but not recorded: the stale claim makes it due again (at least once).
        logger.exception("Outbox: message %s sent but its status could not be saved", message.pk)
    return True


def outbox_flush(*, max_messages: int | None = None, batch: int = 50, worker_id: str | None = None) -> int:
    """Claim and deliver until nothing is due (or ``max_messages`` were tried); return how
    many were sent. Each batch goes through one SMTP connection."""
    worker_id = worker_id or worker_id_default()
    sent = tried = 0
    while max_messages is None or tried < max_messages:
        size = batch if max_messages is None else min(batch, max_messages - tried)
        ids = outbox_claim(batch=size, worker_id=worker_id)
        if not ids:
            break
        tried += len(ids)
        sent += _batch_deliver(ids, worker_id)
    return sent


def _batch_deliver(ids: Sequence[int], worker_id: str) -> int:
    connection = get_connection(fail_silently=False)
    try:
        connection.open()
    except Exception as exc:
        # Server down: one refused connection answers for the whole batch.
        for message in OutboxMessage.objects.filter(pk__in=ids, status=Status.SENDING, claimed_by=worker_id):
            _failure_record(message, worker_id, exc)
        return 0
    try:
        return sum(outbox_deliver(pk, worker_id=worker_id, connection=connection) for pk in ids)
    finally:
        _close_quietly(connection)


def sender_address() -> str:
    """The city's sender (name and address) when set, else the server's DEFAULT_FROM_EMAIL."""
    city = city_settings()
    if not city.sender_email or any(ord(character) < 32 for character in city.sender_name + city.sender_email):
        return settings.DEFAULT_FROM_EMAIL  # a header with a line break would stop every mail
    return formataddr((city.sender_name, city.sender_email)) if city.sender_name else city.sender_email


def _email(message: OutboxMessage, connection) -> EmailMultiAlternatives:
    email = EmailMultiAlternatives(
        subject=message.subject,
        body=message.body_text,
        from_email=sender_address(),
        to=[message.to],
        headers={"Message-ID": message_id_header(message), "X-EUSP-Outbox-Id": str(message.pk)},
        connection=connection,
    )
    if message.body_html:
        email.attach_alternative(message.body_html, "text/html")
    return email


def message_id_header(message: OutboxMessage) -> str:
    """The same on every attempt, so a repeat after a crash is recognisable."""
    domain = urlsplit(settings.EUSP_SITE_URL).hostname or "localhost"
    return f"<outbox-{message.pk}.{int(message.created_at.timestamp())}@{domain}>"


def backoff_seconds(attempts: int) -> int:
    """Delay before the next attempt, after ``attempts`` failed ones (the last delay repeats)."""
    delays = settings.EUSP_MAIL_BACKOFF_SECONDS or [300]
    return delays[min(attempts, len(delays)) - 1]


def _failure_record(message: OutboxMessage, worker_id: str, exc: Exception) -> None:
    attempts = message.attempts + 1
    error = f"{type(exc).__name__}: {exc}"[:ERROR_MAX_CHARS]
    gave_up = attempts >= settings.EUSP_MAIL_MAX_ATTEMPTS
    logger.warning("Outbox: message %s to %s, attempt %s failed: %s", message.pk, message.to, attempts, error)
    try:
        OutboxMessage.objects.filter(pk=message.pk, status=Status.SENDING, claimed_by=worker_id).update(
            status=Status.FAILED if gave_up else Status.PENDING,
            attempts=attempts,
            last_error=error,
            next_attempt_at=timezone.now() + timedelta(seconds=backoff_seconds(attempts)),
        )
    except Exception:
        logger.exception("Outbox: could not record the failure of message %s", message.pk)


def _close_quietly(connection) -> None:
    with contextlib.suppress(Exception):  # closing a broken SMTP session may itself fail
        connection.close()
