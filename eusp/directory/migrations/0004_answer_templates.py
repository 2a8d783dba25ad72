from django.db import migrations

from eusp.directory.seed import seed_answer_templates


def forwards(apps, schema_editor):
    seed_answer_templates(apps.get_model("directory", "AnswerTemplate"))


class Migration(migrations.Migration):
    dependencies = [("directory", "0003_follow_up")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
