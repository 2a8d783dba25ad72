from django.db import migrations

from eusp.directory.seed import seed_reference_data


def forwards(apps, schema_editor):
    seed_reference_data(
        apps.get_model("directory", "Origin"),
        apps.get_model("directory", "State"),
        apps.get_model("directory", "Priority"),
    )


class Migration(migrations.Migration):
    dependencies = [("directory", "0001_initial")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
