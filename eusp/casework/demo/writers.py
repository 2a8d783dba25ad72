"""Writing generated requests and their events: ORM ``bulk_create`` anywhere, ``COPY`` on PostgreSQL.

Both take the rows in ``REQUEST_FIELDS`` order and, per row, its events in
``EVENT_FIELDS`` order less the request id, which the writer supplies.
"""

import json

from django.db import connection
from django.db.models import OuterRef, Subquery

from ..events import events_bulk_record
from ..models import RequestEvent, ServiceRequest
from .timeline import EVENT_FIELDS, REQUEST_FIELDS


def write_orm(rows: list[tuple], events: list[list[tuple]]) -> None:
    objs = [ServiceRequest(**dict(zip(REQUEST_FIELDS, row, strict=True))) for row in rows]
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
    # bulk_create stamps updated_at (auto_now) with the current time; restore the last event's.
    last_event = RequestEvent.objects.filter(service_request=OuterRef("pk")).order_by("-created_at")
    for i in range(0, len(ids), 900):
        ServiceRequest.objects.filter(pk__in=ids[i : i + 900]).update(
            updated_at=Subquery(last_event.values("created_at")[:1])
        )


def write_copy(rows: list[tuple], events: list[list[tuple]]) -> None:
    """PostgreSQL COPY: ids reserved from the table's sequence, then both tables streamed."""
    request_table, event_table = ServiceRequest._meta.db_table, RequestEvent._meta.db_table
    extra = [f for f in ServiceRequest._meta.concrete_fields if not f.primary_key and f.attname not in REQUEST_FIELDS]
    extra_values = tuple(f.get_db_prep_save(f.get_default(), connection) for f in extra)
    request_columns = ", ".join(
        connection.ops.quote_name(c) for c in ("id", *REQUEST_FIELDS, *(f.column for f in extra))
    )
    event_columns = ", ".join(connection.ops.quote_name(c) for c in EVENT_FIELDS)
    with connection.cursor() as cursor:
        # Generated data: losing the last batches in a server crash is fine, waiting for each flush is not.
        cursor.execute("SET LOCAL synchronous_commit TO OFF")
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [request_table, len(rows)],
        )
        ids = [r[0] for r in cursor.fetchall()]
        with cursor.copy(f"COPY {connection.ops.quote_name(request_table)} ({request_columns}) FROM STDIN") as copy:
            for pk, row in zip(ids, rows, strict=True):
                copy.write_row((pk, *row, *extra_values))
        dumps = json.dumps
        with cursor.copy(f"COPY {connection.ops.quote_name(event_table)} ({event_columns}) FROM STDIN") as copy:
            for pk, timeline in zip(ids, events, strict=True):
                for kind, actor, at, note, changes, internal in timeline:
                    copy.write_row((pk, kind, actor, at, note, dumps(changes, ensure_ascii=False), internal))
