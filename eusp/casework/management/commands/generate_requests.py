"""Volume generator for benchmarks: N realistic requests with their timelines, fast."""

import time

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from eusp.accounts.models import Profile, User
from eusp.casework.demo.directory import city_reference_ensure
from eusp.casework.demo.generator import RequestGenerator, rate_report
from eusp.casework.models import Answer, Reminder, RequestEvent, ServiceRequest
from eusp.directory.models import Category


class Command(BaseCommand):
    help = "Génère un grand volume de demandes réalistes (avec leurs événements) pour les mesures de performance."

    def add_arguments(self, parser):
        parser.add_argument("--count", type=int, required=True, help="Nombre de demandes à créer.")
        parser.add_argument("--batch", type=int, default=5000, help="Demandes par transaction (5000 par défaut).")
        parser.add_argument("--seed", type=int, default=1, help="Graine du tirage aléatoire.")
        parser.add_argument("--years", type=float, default=3, help="Période couverte, en années jusqu'à aujourd'hui.")
        parser.add_argument(
            "--method",
            choices=["auto", "copy", "orm"],
            default="auto",
            help="Écriture : COPY (PostgreSQL), bulk_create de l'ORM, ou auto (COPY si PostgreSQL).",
        )

    def handle(self, *args, count, batch, seed, years, method, **options):
        if count < 1 or batch < 1 or years <= 0:
            raise CommandError("--count, --batch et --years doivent être positifs.")
        if method == "copy" and connection.vendor != "postgresql":
            raise CommandError("--method copy demande PostgreSQL.")
        if not (Category.objects.exists() and User.objects.filter(profile=Profile.CENTRAL).exists()):
            self.stdout.write("Pas de référentiels ni d'utilisateurs : création de ceux de la ville de démonstration.")
            city_reference_ensure()
        use_copy = {"auto": None, "copy": True, "orm": False}[method]
        started = time.monotonic()
        generator = RequestGenerator(seed=seed, detailed=False)

        last_report = [started]

        def progress(done: int, events: int) -> None:
            now = time.monotonic()
            if now - last_report[0] >= 5 or done == count:  # one line every 5 s is enough to follow
                last_report[0] = now
                self.stdout.write(rate_report(done, events, now - started))

        done, events = generator.run(count, years=years, batch_size=batch, use_copy=use_copy, progress=progress)
        if connection.vendor == "postgresql":
            # Fresh statistics, so the queries timed right after a load get the plans they will have in production.
            with connection.cursor() as cursor:
                models = (ServiceRequest, RequestEvent, Answer, Reminder)
                tables = ", ".join(connection.ops.quote_name(m._meta.db_table) for m in models)
                cursor.execute(f"ANALYZE {tables}")
        self.stdout.write(self.style.SUCCESS(f"Terminé : {rate_report(done, events, time.monotonic() - started)}"))
