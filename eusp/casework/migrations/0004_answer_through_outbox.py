import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def unsent_answers_to_outbox(apps, schema_editor):
    """E-mail answers not yet delivered become outbox rows, so the worker sends the
    pending ones and the central service sees (and can resend) the failed ones."""
    Answer = apps.get_model("casework", "Answer")
    OutboxMessage = apps.get_model("notifications", "OutboxMessage")
    unsent = Answer.objects.filter(channel="email", delivery_status__in=["pending", "failed"]).select_related(
        "service_request"
    )
    for answer in unsent.iterator():
        reference = answer.service_request.reference
        answer.outbox_message = OutboxMessage.objects.create(
            kind="answer",
            to=answer.recipient_email,
            service_request_id=answer.service_request_id,
            subject=answer.subject,
            body_text=(
                f"{answer.text}\n\n-- \nService centralisateur – {settings.EUSP_CITY_NAME}\n"
                f"Référence de votre demande : {reference}\n"
            ),
            status=answer.delivery_status,
            last_error=answer.delivery_error,
            attempts=1 if answer.delivery_status == "failed" else 0,
        )
        answer.save(update_fields=["outbox_message"])


class Migration(migrations.Migration):
    dependencies = [
        ("casework", "0003_done_on_index"),
        ("notifications", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="answer",
            name="outbox_message",
            field=models.OneToOneField(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="answer",
                to="notifications.outboxmessage",
                verbose_name="courriel",
            ),
        ),
        migrations.RunPython(unsent_answers_to_outbox, migrations.RunPython.noop),
        migrations.RemoveField(model_name="answer", name="delivery_error"),
        migrations.RemoveField(model_name="answer", name="delivery_status"),
    ]
