"""PostgreSQL indexes of the statistics (/statistiques/), measured at 1,000,000 requests
(bench/README.md, « Statistiques »).

- ``request_stats_idx``: the columns the statistics count by, filter on and check access
  with, beside the reception date. The table is 1.4 GB (texts, search vectors); this index
  is 120 MB, so every count is an index-only scan: a page goes from 550 ms to 150–270 ms.
- ``event_first_instruction_idx``: the instruction events alone, by request then date,
  for the delay to the first instruction (1.15 s → 0.43 s over a year of requests).

PostgreSQL only (INCLUDE and partial indexes for a million rows); SQLite's statistics
read a town's table directly. Outside the models' Meta: the models describe the rows,
these indexes one database's plans, like the search's in 0005.
"""

from django.db import migrations

CREATE = [
    "CREATE INDEX IF NOT EXISTS request_stats_idx ON casework_servicerequest (received_on) INCLUDE "
    "(id, state_id, district_id, instructing_service_id, executing_service_id, referent_official_id, "
    "created_by_id, origin_id, category_id, due_on, done_on, closed_at, is_archived)",
    "CREATE INDEX IF NOT EXISTS event_first_instruction_idx ON casework_requestevent (service_request_id, created_at) "
    "WHERE kind = 'instruction'",
]
DROP = ["DROP INDEX IF EXISTS request_stats_idx", "DROP INDEX IF EXISTS event_first_instruction_idx"]


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for statement in statements:
                schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("casework", "0006_lists_sorts_saved_searches")]

    operations = [migrations.RunPython(_run(CREATE), _run(DROP))]
