from django.core.management.base import BaseCommand

from eusp.notifications.delivery import outbox_flush


class Command(BaseCommand):
    help = (
        "Envoie une fois les courriels dus de l'outbox. Le processus permanent qui le fait "
        "(avec les tâches quotidiennes) est « manage.py scheduler --loop »."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--max", dest="max_messages", type=int, default=None, help="Au plus ce nombre de courriels."
        )

    def handle(self, *args, max_messages: int | None, **options):
        sent = outbox_flush(max_messages=max_messages)
        self.stdout.write(f"{sent} courriel(s) envoyé(s).")
