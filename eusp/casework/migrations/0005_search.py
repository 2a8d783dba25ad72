from django.db import migrations, models

from eusp.casework.search.postgres_schema import CREATE, DROP

FILL_NOTES = {
    "postgresql": """
        UPDATE casework_servicerequest sr
        SET search_notes = coalesce(n.public, ''), search_internal_notes = coalesce(n.internal, '')
        FROM (
            SELECT service_request_id,
                   string_agg(' ' || btrim(note), '' ORDER BY created_at, id) FILTER (WHERE NOT is_internal) AS public,
                   string_agg(' ' || btrim(note), '' ORDER BY created_at, id) FILTER (WHERE is_internal) AS internal
            FROM casework_requestevent WHERE btrim(note) <> '' GROUP BY service_request_id
        ) n
        WHERE n.service_request_id = sr.id
    """,
    "sqlite": """
        UPDATE casework_servicerequest SET
            search_notes = coalesce((SELECT group_concat(' ' || trim(note), '') FROM (
                SELECT note FROM casework_requestevent e WHERE e.service_request_id = casework_servicerequest.id
                AND NOT e.is_internal AND trim(note) <> '' ORDER BY created_at, id)), ''),
            search_internal_notes = coalesce((SELECT group_concat(' ' || trim(note), '') FROM (
                SELECT note FROM casework_requestevent e WHERE e.service_request_id = casework_servicerequest.id
                AND e.is_internal AND trim(note) <> '' ORDER BY created_at, id)), '')
    """,
}


def notes_fill(apps, schema_editor):
    """Existing timelines' notes, as event_record gathers them from now on."""
    sql = FILL_NOTES.get(schema_editor.connection.vendor)
    if sql:
        schema_editor.execute(sql)


def postgres_search_create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in CREATE:
            schema_editor.execute(statement)


def postgres_search_drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in DROP:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("casework", "0004_answer_through_outbox")]

    operations = [
        migrations.AddField(
            model_name="servicerequest",
            name="search_internal_notes",
            field=models.TextField(blank=True, default="", editable=False),
        ),
        migrations.AddField(
            model_name="servicerequest",
            name="search_notes",
            field=models.TextField(blank=True, default="", editable=False),
        ),
        migrations.RunPython(notes_fill, migrations.RunPython.noop),
        migrations.RunPython(postgres_search_create, postgres_search_drop),
    ]
