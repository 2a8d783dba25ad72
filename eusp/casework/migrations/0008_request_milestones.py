"""The request's first instruction and first answer dates, which the delay statistics
read instead of grouping a million requests' events and answers (bench/README.md,
« Statistiques »), filled from the timeline.

The first instruction's date is the local date (settings.TIME_ZONE) of the earliest
« instruction » event, as the statistics computed it; the first answer's is the earliest
answer's date. PostgreSQL fills both columns in one UPDATE from the two grouped
timelines, so that each request's row is rewritten once, not once per column: each
rewrite also goes into every index of the table, and that is the migration's time
(2 min 28 s at a million requests, table locked; bench/README.md). SQLite, a town's
database, with correlated subqueries.

On PostgreSQL the statistics' covering index ``request_stats_idx`` (0007) gains the two
columns, so that the delays are an index-only scan like the other statistics; the
instruction events' index of 0007 served only the grouping these columns replace, and
goes (after the fill, which uses it). The covering index is dropped before the fill
rather than maintained row by row, and built again after it.

Reversing restores 0007's indexes and removes the columns: the timeline, their source,
is untouched. On a large database, after migrating: ``VACUUM (FULL, ANALYZE)`` then
``VACUUM (ANALYZE) casework_servicerequest`` — the UPDATE doubled the table and swelled
its indexes (the covering index, built in the same transaction, holds the old rows'
entries too), and the index-only scans need the visibility map it cleared (bench/README.md).
"""

from django.conf import settings
from django.db import migrations, models
from django.db.models import OuterRef, Subquery
from django.db.models.functions import TruncDate

STATS_INDEX_0007 = (
    "CREATE INDEX IF NOT EXISTS request_stats_idx ON casework_servicerequest (received_on) INCLUDE "
    "(id, state_id, district_id, instructing_service_id, executing_service_id, referent_official_id, "
    "created_by_id, origin_id, category_id, due_on, done_on, closed_at, is_archived)"
)
STATS_INDEX = STATS_INDEX_0007.replace("is_archived)", "is_archived, first_instructed_on, first_answered_on)")
INSTRUCTION_INDEX_0007 = (
    "CREATE INDEX IF NOT EXISTS event_first_instruction_idx ON casework_requestevent (service_request_id, created_at) "
    "WHERE kind = 'instruction'"
)
DROP_STATS_INDEX = "DROP INDEX IF EXISTS request_stats_idx"

FILL_POSTGRESQL = """
    UPDATE casework_servicerequest sr
    SET first_instructed_on = m.instructed, first_answered_on = m.answered
    FROM (
        SELECT coalesce(i.service_request_id, a.service_request_id) AS id, i.instructed, a.answered
        FROM (
            SELECT service_request_id, (min(created_at) AT TIME ZONE %(tz)s)::date AS instructed
            FROM casework_requestevent WHERE kind = 'instruction' GROUP BY service_request_id
        ) i
        FULL JOIN (
            SELECT service_request_id, min(answered_on) AS answered
            FROM casework_answer GROUP BY service_request_id
        ) a ON a.service_request_id = i.service_request_id
    ) m
    WHERE sr.id = m.id
"""


def _postgresql(*statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for statement in statements:
                schema_editor.execute(statement)

    return run


def milestones_fill(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(FILL_POSTGRESQL, {"tz": settings.TIME_ZONE})
            cursor.execute("ANALYZE casework_servicerequest")  # the new columns' statistics, for the planner
        return
    ServiceRequest = apps.get_model("casework", "ServiceRequest")
    RequestEvent = apps.get_model("casework", "RequestEvent")
    Answer = apps.get_model("casework", "Answer")
    db = connection.alias
    instructions = RequestEvent.objects.using(db).filter(service_request=OuterRef("pk"), kind="instruction")
    # TruncDate converts to the current time zone, settings.TIME_ZONE in a migration.
    first_instruction = instructions.order_by("created_at").values(day=TruncDate("created_at"))[:1]
    first_answer = Answer.objects.using(db).filter(service_request=OuterRef("pk")).order_by("answered_on")
    ServiceRequest.objects.using(db).update(
        first_instructed_on=Subquery(first_instruction),
        first_answered_on=Subquery(first_answer.values("answered_on")[:1]),
    )


class Migration(migrations.Migration):
    dependencies = [("casework", "0007_statistics_indexes")]

    operations = [
        migrations.AddField(
            model_name="servicerequest",
            name="first_answered_on",
            field=models.DateField(editable=False, null=True, verbose_name="première réponse le"),
        ),
        migrations.AddField(
            model_name="servicerequest",
            name="first_instructed_on",
            field=models.DateField(editable=False, null=True, verbose_name="première instruction le"),
        ),
        migrations.RunPython(_postgresql(DROP_STATS_INDEX), _postgresql(DROP_STATS_INDEX, STATS_INDEX_0007)),
        migrations.RunPython(milestones_fill, migrations.RunPython.noop),
        migrations.RunPython(
            _postgresql(STATS_INDEX, "DROP INDEX IF EXISTS event_first_instruction_idx"),
            _postgresql(INSTRUCTION_INDEX_0007),
        ),
    ]
