"""The only writer of the timeline: every service appends through ``event_record``."""

from collections.abc import Iterable
from datetime import datetime

from django.db.models import F, Value
from django.db.models.functions import Concat
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import EventKind, RequestEvent, ServiceRequest


def _display(value) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return str(_("Oui") if value else _("Non"))
    return str(value)


def field_changes(before: dict, after: dict, labels: dict[str, str]) -> dict:
    """Changes between two {field: value} snapshots, as stored on an event."""
    return {
        name: {
            "label": str(labels.get(name, name)),
            "before": _display(before.get(name)),
            "after": _display(after.get(name)),
        }
        for name in after
        if before.get(name) != after.get(name)
    }


def event_record(
    sr: ServiceRequest,
    *,
    kind: EventKind,
    actor=None,
    note: str = "",
    changes: dict | None = None,
    is_internal: bool = False,
    at: datetime | None = None,
) -> RequestEvent:
    event = RequestEvent.objects.create(
        service_request=sr,
        kind=kind,
        actor=actor,
        note=note,
        changes=changes or {},
        is_internal=is_internal,
        created_at=at or timezone.now(),
    )
    if note.strip():
        # The note becomes findable by the word search, in the caller's transaction.
        column = "search_internal_notes" if is_internal else "search_notes"
        ServiceRequest.objects.filter(pk=sr.pk).update(**{column: Concat(F(column), Value(" " + note.strip()))})
    return event


def events_bulk_record(events: Iterable[RequestEvent], batch_size: int = 5000) -> None:
    """Bulk path for data loaders (demo city, volume generator); they fill the requests'
    ``search_notes`` themselves (``search_notes_of``)."""
    RequestEvent.objects.bulk_create(events, batch_size=batch_size)


def search_notes_of(notes: Iterable[tuple[str, bool]]) -> tuple[str, str]:
    """(public, internal) search text of a timeline given as (note, is_internal) pairs, as
    event_record would have gathered it."""
    public, internal = [], []
    for note, is_internal in notes:
        if note and note.strip():
            (internal if is_internal else public).append(" " + note.strip())
    return "".join(public), "".join(internal)
