"""The RGPD retention rule by hand (the worker's daily « retention » job runs the same):
anonymise the requests archived longer than the city's retention period, purge old
failed-login records and old mail. Running it twice does nothing the second time."""

from django.core.management.base import BaseCommand
from django.utils import formats, timezone

from eusp.casework.services.anonymisation import retention_apply, retention_cutoff, retention_due
from eusp.core.city_settings import city_settings


class Command(BaseCommand):
    help = "Applique la durée de conservation des données personnelles (RGPD)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="Affiche le nombre de demandes à anonymiser sans rien modifier."
        )

    def handle(self, *args, dry_run, **options):
        months = city_settings(fresh=True).retention_months
        if dry_run:
            cutoff = formats.date_format(timezone.localtime(retention_cutoff()), "d/m/Y")
            count = retention_due().count()
            self.stdout.write(
                f"{count} demande(s) à anonymiser (archivées avant le {cutoff}, durée de conservation : "
                f"{months} mois). Rien n'a été modifié."
            )
            return
        self.stdout.write(retention_apply())
