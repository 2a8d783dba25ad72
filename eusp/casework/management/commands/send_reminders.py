"""Daily automatic reminders (cron or a timer); running it twice sends nothing twice."""

from datetime import date

from django.core.management.base import BaseCommand

from eusp.casework.services.reminder_schedule import reminders_run


class Command(BaseCommand):
    help = "Relance automatiquement les services sur les demandes en retard ou non instruites."

    def add_arguments(self, parser):
        parser.add_argument(
            "--date", type=date.fromisoformat, help="Jour de référence (AAAA-MM-JJ), aujourd'hui par défaut."
        )

    def handle(self, *args, **options):
        report = reminders_run(today=options["date"])
        self.stdout.write(
            f"Relances envoyées : {report.reminded} ; alertes au service centralisateur : {report.escalated}."
        )
