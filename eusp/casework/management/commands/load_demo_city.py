"""Load the fictional town of Valmont-sur-Loire: reference data, users and requests."""

import time

from django.core.management.base import BaseCommand
from django.db import transaction

from eusp.accounts.models import User
from eusp.casework.demo.directory import city_reference_ensure
from eusp.casework.demo.generator import RequestGenerator, rate_report
from eusp.casework.models import ServiceRequest


class Command(BaseCommand):
    help = "Charge la ville de démonstration Valmont-sur-Loire (référentiels, utilisateurs, demandes)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Ne rien faire si la base contient déjà des demandes ou des utilisateurs (hors superutilisateurs).",
        )
        parser.add_argument("--requests", type=int, default=2000, help="Nombre de demandes (2000 par défaut).")
        parser.add_argument("--seed", type=int, default=2024, help="Graine du tirage aléatoire (reproductible).")

    def handle(self, *args, **options):
        if options["if_empty"] and (
            ServiceRequest.objects.exists() or User.objects.filter(is_superuser=False).exists()
        ):
            self.stdout.write("Des données existent déjà : ville de démonstration non chargée.")
            return
        started = time.monotonic()
        # One transaction: a failed load leaves no half-built town behind.
        with transaction.atomic():
            city_reference_ensure()
            count = options["requests"]
            if count > 0:
                generator = RequestGenerator(seed=options["seed"], detailed=True)
                generator.force_every_state(count)
                done, events = generator.run(count, years=3, batch_size=count, use_copy=False)
            else:
                done = events = 0
        self.stdout.write(
            self.style.SUCCESS(
                "Ville de démonstration Valmont-sur-Loire chargée : "
                + rate_report(done, events, time.monotonic() - started)
            )
        )
        self.stdout.write("Comptes de démonstration : manage.py demo_logins")
