"""Daily digests: users who chose one get a single mail a day listing their alerts.

An alert for such a user is kept as a ``DigestEntry`` (in the event's transaction, like an
outbox row). ``digests_send`` — a daily job of the worker, or ``manage.py send_digests`` —
turns each user's waiting entries into one outbox mail and links them to it in the same
transaction: running it twice sends nothing twice.
"""

import logging
from collections import defaultdict

from django.conf import settings
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from eusp.accounts.models import AlertMode, User
from eusp.casework.models import ServiceRequest
from eusp.casework.permissions import visible_requests
from eusp.core.city_settings import city_settings

from .models import DigestEntry, OutboxMessage
from .outbox import outbox_enqueue

logger = logging.getLogger(__name__)


def alert_queue(*, recipient: User | None = None, **mail) -> OutboxMessage | DigestEntry | None:
    """An alert to a person: their own mail now (``mail`` as ``outbox_enqueue`` takes it), or
    a line in tomorrow morning's digest, as they chose. A service mailbox (no user) always
    gets the mail now."""
    dedupe_key = mail.get("dedupe_key")
    if dedupe_key is not None and recipient is not None and _already_kept(dedupe_key, recipient):
        return None  # told before, in a digest or by its own mail, whichever mode they had then
    if recipient is None or recipient.alert_mode != AlertMode.DIGEST:
        return outbox_enqueue(recipient=recipient, **mail)
    return digest_defer(
        recipient=recipient,
        subject=mail["subject"],
        kind=mail["kind"],
        service_request=mail.get("service_request"),
        dedupe_key=dedupe_key,
    )


def digest_defer(
    *,
    recipient: User,
    subject: str,
    kind: OutboxMessage.Kind | str,
    service_request: ServiceRequest | None = None,
    dedupe_key: str | None = None,
) -> DigestEntry | None:
    """Keep an alert for the recipient's next digest; None (nothing kept) for a deactivated
    user or a dedupe key already used for them."""
    if not recipient.is_active:
        return None
    if dedupe_key is not None and _already_kept(dedupe_key, recipient):
        return None
    try:
        with transaction.atomic():  # a lost dedupe race leaves the caller's transaction usable
            return DigestEntry.objects.create(
                recipient=recipient,
                subject=subject[:255],
                kind=kind,
                service_request=service_request,
                dedupe_key=dedupe_key,
            )
    except IntegrityError:
        if dedupe_key is None:
            raise
        return None


def _already_kept(dedupe_key: str, recipient: User) -> bool:
    return (
        DigestEntry.objects.filter(dedupe_key=dedupe_key, recipient=recipient).exists()
        or OutboxMessage.objects.filter(dedupe_key=dedupe_key, recipient=recipient).exists()
    )


def digests_send() -> int:
    """Write one digest mail per user with waiting entries; returns how many were written."""
    recipients = (
        DigestEntry.objects.filter(digest__isnull=True).values_list("recipient", flat=True).distinct().order_by()
    )
    written = 0
    for user in User.objects.filter(pk__in=list(recipients)):
        try:
            written += _digest_send_one(user)
        except Exception:
            # One user's problem (a bad address) must not hold back everyone else's digest.
            logger.exception("Digest: could not write the digest of user %s", user.pk)
    return written


@transaction.atomic
def _digest_send_one(user: User) -> int:
    entries = list(
        DigestEntry.objects.select_for_update(skip_locked=True)
        .filter(recipient=user, digest__isnull=True)
        .order_by("created_at", "pk")
    )
    if not entries:
        return 0  # another worker is on it, or it was done
    pending = DigestEntry.objects.filter(pk__in=[entry.pk for entry in entries])
    if not user.is_active or not user.email:
        pending.delete()  # never mail a deactivated user; nobody else reads these lines
        return 0
    # Only what the user may still see: a request since given to another service is not listed.
    visible = set(
        visible_requests(user)
        .filter(pk__in={e.service_request_id for e in entries if e.service_request_id})
        .values_list("pk", flat=True)
    )
    entries = [e for e in entries if e.service_request_id is None or e.service_request_id in visible]
    message = None
    if entries:
        subject, text, html = _digest_compose(user, entries)
        message = outbox_enqueue(
            to=user.email, subject=subject, text=text, html=html, kind=OutboxMessage.Kind.DIGEST, recipient=user
        )
    if message is None:
        pending.delete()  # nothing left the user may see
        return 0
    pending.update(digest=message)  # the lines no longer visible go with it, unlisted
    return 1


def _digest_compose(user: User, entries: list[DigestEntry]) -> tuple[str, str, str]:
    base = settings.EUSP_SITE_URL.rstrip("/")
    requests = ServiceRequest.objects.in_bulk({e.service_request_id for e in entries if e.service_request_id})
    sections: dict[str, list[dict]] = defaultdict(list)
    for entry in entries:
        sr = requests.get(entry.service_request_id)
        sections[entry.kind].append({"subject": entry.subject, "link": base + sr.get_absolute_url() if sr else ""})
    with translation.override(settings.LANGUAGE_CODE):
        titles = {
            OutboxMessage.Kind.ALERT: _("Demandes nouvelles ou confiées"),
            OutboxMessage.Kind.REMINDER: _("Relances"),
        }
        context = {
            "user": user,
            "sections": [(titles.get(kind, _("Autres alertes")), items) for kind, items in sorted(sections.items())],
            "city": city_settings().city_name,
            "site": base + "/",
            "preferences": base + "/compte/",
        }
        day = formats.date_format(timezone.localdate(), "SHORT_DATE_FORMAT")
        subject = ngettext(
            "e-USP – récapitulatif du %(day)s : %(count)s alerte",
            "e-USP – récapitulatif du %(day)s : %(count)s alertes",
            len(entries),
        ) % {"day": day, "count": len(entries)}
        text = render_to_string("emails/digest.txt", context)
        html = render_to_string("emails/digest.html", context)
    return subject, text, html
