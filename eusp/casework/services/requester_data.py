"""Data protection (RGPD): what the city holds about one requester, found by e-mail, name
or phone, and the export that answers their right of access.

A requester is no account: the same person is whoever typed the same e-mail, name or
phone on their requests. Each criterion is looked up through the word search's requester
part (indexed on PostgreSQL), then checked exactly here, so a prefix or a homonym's
initials never slip in; the staff still confirm each request (homonyms share a name).
"""

import re
from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, Prefetch, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from eusp.accounts.models import User
from eusp.administration.audit import Action, audit_records
from eusp.core.city_settings import city_settings
from eusp.notifications.models import OutboxMessage, mail_to_requester

from ..field_groups import REQUESTER_FIELDS
from ..models import Answer, Attachment, EventKind, RequestEvent, ServiceRequest
from ..permissions import can_administer, visible_requests
from ..search.query import SearchField, text_filter
from ..search.text import fold, query_terms

# Requests read per criterion: a name shared by more is narrowed with the first name or e-mail.
CANDIDATES = 1000


@dataclass
class RequesterSearch:
    """The matching requests (annotated, newest first), what matched each, and whether the
    candidates were cut at ``CANDIDATES``."""

    requests: list[ServiceRequest]
    matched_on: dict[int, list[str]]
    truncated: bool


def phone_digits(phone: str) -> str:
    """A French number as its ten national digits: « +33 6 12… », « 0033 6… » → « 0612… »."""
    digits = re.sub(r"\D", "", phone or "")
    for prefix in ("0033", "33"):
        if digits.startswith(prefix) and len(digits) == len(prefix) + 9:
            return "0" + digits[len(prefix) :]
    return digits


def _candidates(user: User, terms: list[str]) -> tuple[list[tuple], bool]:
    if not terms:
        return [], False
    qs = text_filter(visible_requests(user), terms, user=user, field=SearchField.REQUESTER)
    rows = list(
        qs.order_by("-created_at", "-pk").values_list(
            "pk", "requester_email", "requester_last_name", "requester_first_name", "requester_phone"
        )[: CANDIDATES + 1]
    )
    return rows[:CANDIDATES], len(rows) > CANDIDATES


def requester_data(
    *, user: User, email: str = "", last_name: str = "", first_name: str = "", phone: str = ""
) -> RequesterSearch:
    """The requests of one person: same e-mail (any case), same name (accents and case
    folded; the first name only narrows), or same phone number. Any criterion suffices."""
    email, phone = email.strip().lower(), phone_digits(phone)
    wanted_last, wanted_first = fold(last_name), fold(first_name)

    def same_email(row) -> bool:
        return row[1].strip().lower() == email

    def same_name(row) -> bool:
        return fold(row[2]) == wanted_last and (not wanted_first or fold(row[3]) == wanted_first)

    def same_phone(row) -> bool:
        return phone_digits(row[4]) == phone

    searches = []
    if email:
        searches.append(("email", query_terms(email), same_email))
    if wanted_last:
        searches.append(("name", query_terms(f"{last_name} {first_name}"), same_name))
    if len(phone) >= 6:
        searches.append(("phone", [phone], same_phone))
        if phone.startswith("0"):  # stored the international way
            searches.append(("phone", ["33" + phone[1:]], same_phone))
    labels = {"email": _("e-mail"), "name": _("nom"), "phone": _("téléphone")}
    matched_on: dict[int, list[str]] = {}
    truncated = False
    for criterion, terms, matches in searches:
        rows, cut = _candidates(user, terms)
        truncated |= cut
        for row in rows:
            if matches(row) and labels[criterion] not in matched_on.setdefault(row[0], []):
                matched_on[row[0]].append(labels[criterion])
    matched_on = {pk: found for pk, found in matched_on.items() if found}
    requests = list(requester_requests(user, list(matched_on)))
    return RequesterSearch(requests=requests, matched_on=matched_on, truncated=truncated)


def requester_requests(user: User, ids: list[int]) -> QuerySet[ServiceRequest]:
    """These requests with what each holds (answers, mail to the requester, attachments)."""
    return (
        visible_requests(user)
        .filter(pk__in=ids)
        .select_related("state", "category", "district")
        .annotate(
            answer_count=Count("answers", distinct=True),
            requester_mail_count=Count(
                "outbox_messages",
                filter=mail_to_requester("outbox_messages__"),
                distinct=True,
            ),
            attachment_count=Count("attachments", distinct=True),
        )
        .order_by("-created_at", "-pk")
    )


# --- The right of access ----------------------------------------------------------------


def _local(value):
    """Moments in the city's time; dates and moments stay objects (DjangoJSONEncoder writes
    them as ISO 8601, the printable page in the reader's format)."""
    if isinstance(value, datetime):
        return timezone.localtime(value)
    return value


def _text(value) -> str | None:
    return None if value is None else str(value)


def _request_data(sr: ServiceRequest) -> dict:
    labels = {name: str(ServiceRequest._meta.get_field(name).verbose_name) for name in REQUESTER_FIELDS}
    return {
        "reference": sr.reference,
        "received_on": _local(sr.received_on),
        "created_at": _local(sr.created_at),
        "origin": str(sr.origin),
        "category": str(sr.category),
        "subject": sr.subject,
        "description": sr.description,
        "location": {
            "address": sr.location_address,
            "district": _text(sr.district),
            "latitude": _text(sr.latitude),
            "longitude": _text(sr.longitude),
        },
        "state": str(sr.state),
        "closed_at": _local(sr.closed_at),
        "done_on": _local(sr.done_on),
        "closing_reason": sr.closing_reason,
        "archived_at": _local(sr.archived_at),
        "anonymised_at": _local(sr.anonymised_at),
        "requester": {
            "civility": sr.get_requester_civility_display() if sr.requester_civility else "",
            "last_name": sr.requester_last_name,
            "first_name": sr.requester_first_name,
            "address": sr.requester_address,
            "postcode": sr.requester_postcode,
            "city": sr.requester_city,
            "phone": sr.requester_phone,
            "email": sr.requester_email,
        },
        # Earlier values of the contact details, kept by the timeline.
        "requester_history": [
            {
                "date": _local(event.created_at),
                "field": labels[name],
                "before": change.get("before", ""),
                "after": change.get("after", ""),
            }
            for event in sr.requester_edits
            for name, change in event.changes.items()
            if name in labels and isinstance(change, dict)
        ],
        "answers": [
            {
                "date": _local(answer.answered_on),
                "channel": answer.get_channel_display(),
                "recipient_email": answer.recipient_email,
                "subject": answer.subject,
                "text": answer.text,
            }
            for answer in sr.answers.all()
        ],
        "mail": [
            {
                "created_at": _local(message.created_at),
                "sent_at": _local(message.sent_at),
                "status": message.get_status_display(),
                "to": message.to,
                "subject": message.subject,
                "text": message.body_text,
            }
            for message in sr.requester_mail
        ],
        "attachments": [
            {
                "name": attachment.original_name,
                "type": attachment.content_type,
                "size": attachment.size,
                "uploaded_at": _local(attachment.uploaded_at),
            }
            for attachment in sr.attachments.all()
        ],
    }


def _joined(*parts: str, sep: str = " ") -> str:
    return sep.join(part for part in parts if part)


def _distinct(values) -> list[str]:
    return list(dict.fromkeys(value for value in values if value))


@transaction.atomic
def requester_access_export(requests: QuerySet[ServiceRequest], *, actor: User, note: str = "") -> dict:
    """Every piece of data held about the requester of these requests (the staff chose them
    as one person's), ready for ``DjangoJSONEncoder``; each request's export is audited. Staff-only
    content (internal notes, the timeline) is not part of it: the staff read it on the
    sheet and decide what it says about the person."""
    if not can_administer(actor):
        raise PermissionDenied
    rows = list(
        requests.select_related("origin", "category", "district", "state")
        .prefetch_related(
            Prefetch("answers", queryset=Answer.objects.order_by("answered_on", "pk")),
            Prefetch(
                "outbox_messages",
                queryset=OutboxMessage.objects.filter(mail_to_requester()).order_by("created_at", "pk"),
                to_attr="requester_mail",
            ),
            Prefetch("attachments", queryset=Attachment.objects.order_by("uploaded_at", "pk")),
            Prefetch(
                "events",
                queryset=RequestEvent.objects.filter(
                    kind=EventKind.EDITED, changes__has_any_keys=list(REQUESTER_FIELDS)
                ).order_by("created_at", "pk"),
                to_attr="requester_edits",
            ),
        )
        .order_by("created_at", "pk")
    )
    data = [_request_data(sr) for sr in rows]
    identity = {
        "names": _distinct(_joined(r["requester"]["first_name"], r["requester"]["last_name"]) for r in data),
        "addresses": _distinct(
            _joined(r["requester"]["address"], _joined(r["requester"]["postcode"], r["requester"]["city"]), sep=", ")
            for r in data
        ),
        "emails": _distinct(r["requester"]["email"] for r in data),
        "phones": _distinct(r["requester"]["phone"] for r in data),
    }
    audit_note = _("Export du droit d'accès : %(count)s demande(s).") % {"count": len(rows)}
    if note:
        audit_note = f"{audit_note} {note}"
    audit_records(actor, Action.ACCESS_EXPORT, rows, note=audit_note)
    return {
        "generated_at": _local(timezone.now()),
        "controller": city_settings().city_name,
        "identity": identity,
        "requests": data,
    }
