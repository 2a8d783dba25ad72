"""Writing generated requests and their events, answers and reminders: ORM ``bulk_create``, or ``COPY``.

``COPY`` needs PostgreSQL; ``bulk_create`` works anywhere.

Both take the rows in ``REQUEST_FIELDS`` order and, per row, its events, answers
and reminders in ``EVENT_FIELDS``, ``ANSWER_FIELDS`` and ``REMINDER_FIELDS`` order
less the request id, which the writer supplies.
"""

import json
from collections.abc import Iterable

from django.db import connection
from django.db.models import Model, OuterRef, Subquery

from ..events import events_bulk_record, search_notes_of
from ..models import Answer, EventKind, Reminder, RequestEvent, ServiceRequest
from .timeline import ANSWER_FIELDS, EVENT_FIELDS, REMINDER_FIELDS, REQUEST_FIELDS


def _search_notes(timeline: list[tuple]) -> tuple[str, str]:
    """What event_record would have gathered from these events (``EVENT_FIELDS`` less the id)."""
    note_at, internal_at = EVENT_FIELDS.index("note") - 1, EVENT_FIELDS.index("is_internal") - 1
    return search_notes_of((event[note_at], event[internal_at]) for event in timeline)


def _per_request(model: type[Model], fields: tuple, ids: list[int], per_request: list[list[tuple]]) -> list[Model]:
    return [
        model(**dict(zip(fields, (pk, *values), strict=True)))
        for pk, rows in zip(ids, per_request, strict=True)
        for values in rows
    ]


def write_orm(rows: list[tuple], events: list[list[tuple]], answers: list[list[tuple]], reminders: list[list[tuple]]):
    objs = [ServiceRequest(**dict(zip(REQUEST_FIELDS, row, strict=True))) for row in rows]
    for obj, timeline in zip(objs, events, strict=True):
        obj.search_notes, obj.search_internal_notes = _search_notes(timeline)
    ServiceRequest.objects.bulk_create(objs, batch_size=1000)
    ids = [obj.pk for obj in objs]
    if None in ids:  # a backend that does not return ids from a bulk insert
        by_ref = dict(
            ServiceRequest.objects.filter(reference__in=[o.reference for o in objs]).values_list("reference", "pk")
        )
        ids = [by_ref[o.reference] for o in objs]
    events_bulk_record(
        (
            RequestEvent(**dict(zip(EVENT_FIELDS, (pk, *event), strict=True)))
            for pk, timeline in zip(ids, events, strict=True)
            for event in timeline
        ),
        batch_size=2000,
    )
    answer_objs = _per_request(Answer, ANSWER_FIELDS, ids, answers)
    Answer.objects.bulk_create(answer_objs, batch_size=2000)
    Reminder.objects.bulk_create(_per_request(Reminder, REMINDER_FIELDS, ids, reminders), batch_size=2000)
    # bulk_create stamps updated_at (auto_now) and an answer's created_at (auto_now_add) with the current
    # time; restore the last event's, and the answer event's (a generated request has one answer at most).
    last_event = RequestEvent.objects.filter(service_request=OuterRef("pk")).order_by("-created_at")
    answer_event = RequestEvent.objects.filter(service_request=OuterRef("service_request"), kind=EventKind.ANSWER)
    answer_time = Subquery(answer_event.order_by("-created_at").values("created_at")[:1])
    for i in range(0, len(ids), 900):
        chunk = ids[i : i + 900]
        ServiceRequest.objects.filter(pk__in=chunk).update(updated_at=Subquery(last_event.values("created_at")[:1]))
        if answer_objs:
            Answer.objects.filter(service_request__in=chunk).update(created_at=answer_time)


def _copy(cursor, model: type[Model], fields: tuple, rows: Iterable[tuple]) -> None:
    """COPY rows laid out as ``fields`` into the model's table; its other columns get their default."""
    extra = [f for f in model._meta.concrete_fields if not f.primary_key and f.attname not in fields]
    extra_values = tuple(f.get_db_prep_save(f.get_default(), connection) for f in extra)
    columns = ", ".join(connection.ops.quote_name(c) for c in (*fields, *(f.column for f in extra)))
    with cursor.copy(f"COPY {connection.ops.quote_name(model._meta.db_table)} ({columns}) FROM STDIN") as copy:
        write_row = copy.write_row
        if extra_values:
            for row in rows:
                write_row((*row, *extra_values))
        else:
            for row in rows:
                write_row(row)


def write_copy(rows: list[tuple], events: list[list[tuple]], answers: list[list[tuple]], reminders: list[list[tuple]]):
    """PostgreSQL COPY: request ids reserved from the table's sequence, then every table streamed."""
    with connection.cursor() as cursor:
        # Generated data: losing the last batches in a server crash is fine, waiting for each flush is not.
        cursor.execute("SET LOCAL synchronous_commit TO OFF")
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [ServiceRequest._meta.db_table, len(rows)],
        )
        ids = [r[0] for r in cursor.fetchall()]
        _copy(
            cursor,
            ServiceRequest,
            ("id", *REQUEST_FIELDS, "search_notes", "search_internal_notes"),
            ((pk, *row, *_search_notes(timeline)) for pk, row, timeline in zip(ids, rows, events, strict=True)),
        )
        dumps = json.dumps
        _copy(
            cursor,
            RequestEvent,
            EVENT_FIELDS,
            (
                (pk, kind, actor, at, note, dumps(changes, ensure_ascii=False), internal)
                for pk, timeline in zip(ids, events, strict=True)
                for kind, actor, at, note, changes, internal in timeline
            ),
        )
        for model, fields, per_request in ((Answer, ANSWER_FIELDS, answers), (Reminder, REMINDER_FIELDS, reminders)):
            if not any(per_request):
                continue
            _copy(
                cursor,
                model,
                fields,
                ((pk, *values) for pk, values_list in zip(ids, per_request, strict=True) for values in values_list),
            )
