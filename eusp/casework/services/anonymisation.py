"""Data protection (RGPD): erasing a requester's personal data, by the retention rule or on
request, keeping everything the statistics read.

What is erased on an anonymised request:
- the requester fields (civility, names, address, postcode, city, phone, e-mail);
- their before/after values in the timeline's EDITED events and the recipient of ANSWER events;
- the answers' text, subject and recipient (they hold the name and the address through the
  placeholders): a fixed notice stands in, channel, date and author stay;
- the mail sent to the requester (kind answer, no user recipient): address, subject and
  body; one still waiting is cancelled. Staff mail about the request keeps its recipient
  and subject (reference and object) but loses its body, which quotes the place (maybe
  the requester's home) — one still due leaves with the notice;
- every attachment, file and row. Nothing says whether a file is a citizen's scanned letter
  (names, signature, address) or a photo of a pothole (which may show a house, a car, a
  face): both are images or PDF, uploaded by anyone after the creation. Statistics never
  read them, and keeping them would need someone to review each file. The timeline entry
  that announced a file stays, its note (the file's name) replaced;
- the place when it is the requester's home: an empty problem address stands for « the
  requester's address » (``ServiceRequest.place``), and so does one equal to it. The
  address then goes with the coordinates; the district stays. A problem address of its
  own (a street, a square) is not personal and stays, with its coordinates;
- the word search's copy of the notes (``search_notes``), rebuilt from the rewritten
  timeline; PostgreSQL's generated search columns follow the row by themselves.

What stays: reference, dates and milestones, origin, category, district, services, élu,
state, priority, feasibility, costs, subject, description and the staff's notes. Subject,
description and notes are written by the staff about the problem, not about the person,
and the statistics and the city's memory of the street need them.
"""

import calendar
import logging
from collections import defaultdict
from dataclasses import dataclass, fields
from datetime import datetime, timedelta
from functools import partial

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import models, transaction
from django.db.models import Case, F, Q, QuerySet, TextField, Value, When
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from eusp.administration.audit import Action, audit_record, audit_records
from eusp.core.city_settings import city_settings
from eusp.notifications.models import OutboxMessage, mail_to_requester

from ..events import events_bulk_record, search_notes_of
from ..field_groups import REQUESTER_FIELDS
from ..models import Answer, Attachment, EventKind, RequestEvent, ServiceRequest
from ..permissions import can_administer
from ..search.text import fold

__all__ = [
    "AnonymisationCounts",
    "Reason",
    "login_records_purge",
    "outbox_bodies_purge",
    "request_anonymise",
    "requests_anonymise",
    "retention_apply",
    "retention_cutoff",
    "retention_due",
]

logger = logging.getLogger(__name__)

CHUNK = 500  # requests (or mails) per transaction: a few UPDATEs each, bounded memory and locks
LOGIN_RECORDS_KEPT_DAYS = 90
PLACE_FIELDS = ("location_address", "latitude", "longitude")
# Old mail that left, or never will, loses its content; pending and sending mail is still due.
MAIL_DONE = (OutboxMessage.Status.SENT, OutboxMessage.Status.FAILED, OutboxMessage.Status.CANCELLED)
MAIL_WAITING = (OutboxMessage.Status.PENDING, OutboxMessage.Status.SENDING, OutboxMessage.Status.FAILED)


class Reason(models.TextChoices):
    RETENTION = "retention", gettext_lazy("durée de conservation écoulée")
    ERASURE = "erasure", gettext_lazy("à la demande de la personne concernée")


# Fixed texts standing in for what was erased, written in the city's language.
EVENT_NOTE = gettext_lazy("Données personnelles du demandeur effacées : %(reason)s.")
ANSWER_NOTICE = gettext_lazy("Texte de la réponse effacé avec les données personnelles du demandeur.")
ATTACHMENT_NOTICE = gettext_lazy("Pièce jointe supprimée avec les données personnelles du demandeur.")
MAIL_NOTICE = gettext_lazy("Contenu effacé (protection des données personnelles).")
ERASED_VALUE = gettext_lazy("(effacé)")


def _city_text(text) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return str(text)


@dataclass
class AnonymisationCounts:
    requests: int = 0
    answers: int = 0
    mails: int = 0
    attachments: int = 0

    def __add__(self, other: "AnonymisationCounts") -> "AnonymisationCounts":
        return AnonymisationCounts(*(getattr(self, f.name) + getattr(other, f.name) for f in fields(self)))

    def describe(self) -> str:
        """« 2 demandes, 1 réponse, … » for the audit note and the messages."""
        parts = [
            ngettext("%(n)s demande", "%(n)s demandes", self.requests),
            ngettext("%(n)s réponse", "%(n)s réponses", self.answers),
            ngettext("%(n)s courriel", "%(n)s courriels", self.mails),
            ngettext("%(n)s pièce jointe", "%(n)s pièces jointes", self.attachments),
        ]
        values = (self.requests, self.answers, self.mails, self.attachments)
        return ", ".join(part % {"n": n} for part, n in zip(parts, values, strict=True))


# --- Which requests ---------------------------------------------------------------------


def _holds_requester_data() -> Q:
    """Any requester field filled in (typed again after an erasure, for instance)."""
    return ~Q(**dict.fromkeys(REQUESTER_FIELDS, ""))


def _pending() -> Q:
    """Not anonymised yet, or holding personal data again since."""
    return Q(anonymised_at__isnull=True) | _holds_requester_data()


def months_before(moment: datetime, months: int) -> datetime:
    """The same local day and time ``months`` months earlier (the month's last day if shorter)."""
    local = timezone.localtime(moment)
    index = local.year * 12 + local.month - 1 - months
    year, month = divmod(index, 12)
    day = min(local.day, calendar.monthrange(year, month + 1)[1])
    return local.replace(year=year, month=month + 1, day=day)


def retention_cutoff(now: datetime | None = None, months: int | None = None) -> datetime:
    """Requests archived before this moment have outlived the retention period."""
    return months_before(now or timezone.now(), city_settings().retention_months if months is None else months)


def retention_due(now: datetime | None = None, months: int | None = None) -> QuerySet[ServiceRequest]:
    """Requests archived longer than the retention period (the city's, or ``months``) and
    not anonymised yet."""
    cutoff = retention_cutoff(now, months)
    return ServiceRequest.objects.filter(_pending(), is_archived=True, archived_at__lt=cutoff)


# --- Anonymising requests ---------------------------------------------------------------


def request_anonymise(sr: ServiceRequest, *, actor, reason: Reason, note: str = "") -> AnonymisationCounts:
    """Erase one request's requester data now (see the module's docstring for what goes)."""
    return requests_anonymise(ServiceRequest.objects.filter(pk=sr.pk), actor=actor, reason=reason, note=note)


def requests_anonymise(queryset: QuerySet, *, actor, reason: Reason, note: str = "") -> AnonymisationCounts:
    """Erase the requester data of every request of ``queryset`` (unsliced), ``CHUNK`` at a time.

    Each chunk is one transaction: a crash leaves whole requests done or untouched, and a
    run again finishes the work. A request already anonymised, with nothing personal typed
    since, is left alone. An erasure on request is audited (ERASED) on each request; the
    retention rule writes one summary itself. ``note`` goes to the audit only.
    """
    reason = Reason(reason)
    if reason == Reason.ERASURE and not can_administer(actor):
        raise PermissionDenied  # the retention rule runs with no actor; an erasure is the central service's
    ids = queryset.filter(_pending()).order_by("pk").values_list("pk", flat=True)
    counts, last = AnonymisationCounts(), 0
    while chunk := list(ids.filter(pk__gt=last)[:CHUNK]):
        last = chunk[-1]
        counts += _chunk_anonymise(chunk, actor=actor, reason=reason, note=note)
    return counts


def _is_home(location: str, requester_address: str) -> bool:
    """Whether the problem's place is the requester's address (see ``ServiceRequest.place``)."""
    return bool(requester_address.strip()) and (not location.strip() or fold(location) == fold(requester_address))


@transaction.atomic
def _chunk_anonymise(ids: list[int], *, actor, reason: Reason, note: str) -> AnonymisationCounts:
    rows = list(
        ServiceRequest.objects.select_for_update()
        .filter(_pending(), pk__in=ids)
        .values("pk", "reference", "subject", "requester_address", "location_address")
    )
    if not rows:
        return AnonymisationCounts()
    ids = [row["pk"] for row in rows]
    home_ids = {row["pk"] for row in rows if _is_home(row["location_address"], row["requester_address"])}
    now = timezone.now()
    counts = AnonymisationCounts(requests=len(ids))
    _events_scrub(ids, home_ids)
    counts.answers = Answer.objects.filter(service_request_id__in=ids).update(
        recipient_email="", subject="", text=_city_text(ANSWER_NOTICE)
    )
    counts.mails = _mail_scrub(ids)
    counts.attachments = _attachments_delete(ids)
    event_note = _city_text(EVENT_NOTE) % {"reason": _city_text(reason.label)}
    _requests_update(ids, home_ids, now=now, event_note=event_note)
    events_bulk_record(
        RequestEvent(service_request_id=pk, kind=EventKind.ANONYMISED, actor=actor, note=event_note, created_at=now)
        for pk in ids
    )
    if reason == Reason.ERASURE:
        targets = (ServiceRequest(pk=row["pk"], reference=row["reference"], subject=row["subject"]) for row in rows)
        audit_records(actor, Action.ERASED, targets, note=_audit_note(counts, note))
    return counts


def _audit_note(counts: AnonymisationCounts, note: str) -> str:
    # Never the person's name: the journal outlives the erasure.
    text = _("Identité et coordonnées du demandeur effacées (effacement portant sur %(what)s).") % {
        "what": counts.describe()
    }
    return f"{text}\n{note.strip()}" if note.strip() else text


def _scrubbed(changes: dict, keys: set[str], erased: str) -> dict:
    """The changes with the values of ``keys`` replaced (an empty value stays empty)."""

    def scrub(change: dict) -> dict:
        return {
            **change,
            "before": erased if change.get("before") else "",
            "after": erased if change.get("after") else "",
        }

    return {
        name: scrub(change) if name in keys and isinstance(change, dict) else change for name, change in changes.items()
    }


def _events_scrub(ids: list[int], home_ids: set[int]) -> None:
    """Erase the personal values the timeline holds: edited requester fields, answers'
    recipients and texts, attachments' names."""
    personal = {*REQUESTER_FIELDS, "recipient_email"}
    erased = _city_text(ERASED_VALUE)
    rewritten = []
    candidates = RequestEvent.objects.filter(
        service_request_id__in=ids, changes__has_any_keys=[*personal, *PLACE_FIELDS]
    ).values_list("pk", "service_request_id", "changes")
    for pk, sr_id, changes in candidates.iterator(chunk_size=2000):
        keys = personal | set(PLACE_FIELDS) if sr_id in home_ids else personal
        scrubbed = _scrubbed(changes, keys, erased)
        if scrubbed != changes:
            rewritten.append(RequestEvent(pk=pk, changes=scrubbed))
    # The timeline is append-only (RequestEvent.save and delete refuse any change); the
    # erasure of personal data (RGPD) is its one sanctioned exception. These UPDATEs go
    # through the queryset (bulk_update is UPDATE … CASE), which bypasses save on purpose.
    RequestEvent.objects.bulk_update(rewritten, ["changes"], batch_size=CHUNK)
    timeline = RequestEvent.objects.filter(service_request_id__in=ids)
    timeline.filter(kind=EventKind.ANSWER).update(note=_city_text(ANSWER_NOTICE))
    timeline.filter(kind=EventKind.ATTACHMENT).update(note=_city_text(ATTACHMENT_NOTICE))


def _mail_scrub(ids: list[int]) -> int:
    """The requester's mail loses address and content (cancelled if not gone yet). Staff
    mail about the request keeps its recipient and subject (reference and object), and
    loses its body, which quotes the place: one still due leaves with the notice."""
    notice = _city_text(MAIL_NOTICE)
    mail = OutboxMessage.objects.filter(service_request_id__in=ids)
    to_requester = mail_to_requester()
    mail.filter(to_requester, status__in=MAIL_WAITING).update(status=OutboxMessage.Status.CANCELLED)
    count = mail.filter(to_requester).update(
        to="", subject=notice, body_text=notice, body_html="", last_error="", dedupe_key=None
    )
    mail.exclude(to_requester).exclude(body_text=notice).update(body_text=notice, body_html="")
    return count


def _attachments_delete(ids: list[int]) -> int:
    attachments = Attachment.objects.filter(service_request_id__in=ids)
    names = [name for name in attachments.values_list("file", flat=True) if name]
    count = attachments.delete()[1].get(Attachment._meta.label, 0)
    # Files go once the rows are gone for good; one left behind (a storage error) has no
    # row any more, and ``attachments_prune`` removes it.
    transaction.on_commit(partial(_files_delete, names))
    return count


def _files_delete(names: list[str]) -> None:
    storage = Attachment._meta.get_field("file").storage
    for name in names:
        try:
            storage.delete(name)
        except OSError:
            logger.exception("Anonymisation: could not delete %s; attachments_prune will", name)


def _search_notes(ids: list[int], event_note: str) -> dict[int, tuple[str, str]]:
    """The word search's copy of the notes, (public, internal), gathered again from the
    rewritten timeline and the anonymisation's own entry."""
    notes = defaultdict(list)
    timeline = (
        RequestEvent.objects.filter(service_request_id__in=ids)
        .order_by("service_request_id", "created_at", "pk")
        .values_list("service_request_id", "note", "is_internal")
    )
    for sr_id, note, is_internal in timeline.iterator(chunk_size=2000):
        notes[sr_id].append((note, is_internal))
    return {pk: search_notes_of([*notes[pk], (event_note, False)]) for pk in ids}


def _per_row(values: dict[int, str]) -> Case:
    return Case(*(When(pk=pk, then=Value(value)) for pk, value in values.items()), output_field=TextField())


def _requests_update(ids: list[int], home_ids: set[int], *, now: datetime, event_note: str) -> None:
    """One UPDATE of the chunk's rows (each row write also rewrites its search columns and
    index entries: once, not once per kind of change)."""
    notes = _search_notes(ids, event_note)
    changes = {
        **dict.fromkeys(REQUESTER_FIELDS, ""),
        "anonymised_at": now,
        "updated_at": now,
        # Anyone with the sheet open is told the request changed instead of typing it back.
        "version": F("version") + 1,
        "search_notes": _per_row({pk: public for pk, (public, _internal) in notes.items()}),
        "search_internal_notes": _per_row({pk: internal for pk, (_public, internal) in notes.items()}),
    }
    if home_ids:
        home = Q(pk__in=home_ids)
        changes["location_address"] = Case(When(home, then=Value("")), default=F("location_address"))
        for name in ("latitude", "longitude"):
            field = ServiceRequest._meta.get_field(name)
            changes[name] = Case(When(home, then=Value(None, output_field=field)), default=F(name))
    ServiceRequest.objects.filter(pk__in=ids).update(**changes)


# --- Purges -----------------------------------------------------------------------------


def _delete_in_chunks(queryset: QuerySet) -> int:
    """Delete by primary-key chunks: a brute-force attack leaves many rows."""
    deleted = 0
    while chunk := list(queryset.order_by("pk").values_list("pk", flat=True)[:CHUNK]):
        deleted += queryset.model.objects.filter(pk__in=chunk).delete()[1].get(queryset.model._meta.label, 0)
    return deleted


def login_records_purge(now: datetime | None = None) -> int:
    """django-axes' failed-login records (and its access log, if ever enabled) older than
    ``LOGIN_RECORDS_KEPT_DAYS``: usernames and IP addresses are personal data, and the
    lockout only needs the last minutes."""
    before = (now or timezone.now()) - timedelta(days=LOGIN_RECORDS_KEPT_DAYS)
    return sum(
        _delete_in_chunks(model.objects.filter(attempt_time__lt=before))
        for model in (AccessAttempt, AccessFailureLog, AccessLog)
    )


def outbox_bodies_purge(now: datetime | None = None) -> int:
    """Mail older than the retention period keeps its row (status, dates, kind, request,
    staff recipient) and loses its subject and body; mail to a requester loses its address
    too. Mail still waiting to leave is left alone."""
    notice = _city_text(MAIL_NOTICE)
    old = (
        OutboxMessage.objects.filter(created_at__lt=retention_cutoff(now), status__in=MAIL_DONE)
        .exclude(body_text=notice)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    purged, last = 0, 0
    # Walked along the primary key once: purged rows are never scanned again in this run.
    while chunk := list(old.filter(pk__gt=last)[:CHUNK]):
        last = chunk[-1]
        with transaction.atomic():
            mail = OutboxMessage.objects.filter(pk__in=chunk)
            mail.filter(mail_to_requester()).update(to="", last_error="", dedupe_key=None)
            purged += mail.update(subject=notice, body_text=notice, body_html="")
    return purged


# --- The daily job ----------------------------------------------------------------------


def retention_apply(*, now: datetime | None = None) -> str:
    """The worker's daily « retention » job (and ``manage.py apply_retention``): anonymise
    the requests past the retention period, purge old failed-login records and old mail.
    Idempotent: a second run finds nothing and records nothing."""
    now = now or timezone.now()
    row = city_settings(fresh=True)  # a period changed on another server applies at once
    counts = requests_anonymise(retention_due(now), actor=None, reason=Reason.RETENTION)
    logins = login_records_purge(now)
    mails = outbox_bodies_purge(now)
    summary = f"{counts.requests} request(s) anonymised, {logins} login record(s) deleted, {mails} old mail(s) purged"
    if counts.requests or logins or mails:
        with translation.override(settings.LANGUAGE_CODE):
            note = _(
                "Durée de conservation : %(months)s mois. Demandes anonymisées : %(requests)s "
                "(%(answers)s réponses, %(attachments)s pièces jointes). Tentatives de connexion "
                "supprimées : %(logins)s. Courriels anciens purgés : %(mails)s."
            ) % {
                "months": row.retention_months,
                "requests": counts.requests,
                "answers": counts.answers,
                "attachments": counts.attachments,
                "logins": logins,
                "mails": mails,
            }
            label = _("Durée de conservation des données personnelles")
        audit_record(None, Action.RETENTION, row, note=note, label=label)
    logger.info("Retention: %s", summary)
    return summary
