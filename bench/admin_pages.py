"""Time the administration pages and the retention rule on a large database.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/eusp_bench .venv/bin/python bench/admin_pages.py [--runs 10]

Logs in as the demo central user of a database filled by ``bench/generate.sh`` and prints
p50/p95 in milliseconds and the SQL queries of each /administration/ page (the reference
lists count what uses each entry over every request), of the requester search of the
privacy page (POST), then times the retention rule over the requests archived more than
``--retention-months`` ago, inside a transaction that is rolled back: the database is left
as it was. A benchmark, not a test.
"""

import argparse
import os
import resource
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")

import django

django.setup()

from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from pages import measure  # noqa: E402  (bench/pages.py, beside this file)

from eusp.accounts.models import User  # noqa: E402
from eusp.casework.models import ServiceRequest  # noqa: E402

REFERENCE_LISTS = ["origines", "quartiers", "services", "categories", "etats", "priorites", "modeles-de-reponse"]


def admin_pages() -> list[tuple[str, str]]:
    pages = [
        ("accueil de l'administration", "/administration/"),
        ("utilisateurs", "/administration/utilisateurs/"),
        ("utilisateurs, recherche", "/administration/utilisateurs/?q=martin"),
        ("listes de référence", "/administration/listes/"),
        *[(f"liste « {slug} »", f"/administration/listes/{slug}/") for slug in REFERENCE_LISTS],
        ("paramètres", "/administration/parametres/"),
        ("journal", "/administration/journal/"),
        ("données personnelles", "/administration/donnees-personnelles/"),
    ]
    return pages


def measure_post(client: Client, url: str, data: dict, runs: int) -> tuple[float, float, int]:
    client.post(url, data)
    timings = []
    for _ in range(runs):
        start = time.perf_counter()
        response = client.post(url, data)
        timings.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    with CaptureQueriesContext(connection) as queries:
        client.post(url, data)
    timings.sort()
    return statistics.median(timings), timings[max(0, round(0.95 * len(timings)) - 1)], len(queries)


class RolledBack(Exception):
    pass


def retention_run(months: int) -> None:
    from eusp.casework.services.anonymisation import retention_apply, retention_due
    from eusp.core.city_settings import city_settings

    try:
        with transaction.atomic():
            city = city_settings(fresh=True)
            city.retention_months = months
            city.save()
            due = retention_due().count()
            start = time.perf_counter()
            outcome = retention_apply()
            elapsed = time.perf_counter() - start
            peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            print(f"Conservation {months} mois : {due:,} demandes à anonymiser".replace(",", " "))
            rate = f"{due / elapsed:,.0f}".replace(",", " ")
            print(f"retention_apply : {elapsed:.1f} s ({rate} demandes/s), RSS max {peak:.0f} Mo")
            print(f"Résultat : {outcome}")
            raise RolledBack
    except RolledBack:
        print("(annulé : la base est inchangée)")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--retention-months", type=int, default=24)
    parser.add_argument("--no-retention", action="store_true")
    args = parser.parse_args()
    print(f"Base : {connection.vendor}, {ServiceRequest.objects.count():,} demandes".replace(",", " "))
    print("| page | p50 (ms) | p95 (ms) | requêtes SQL |")
    print("|---|---:|---:|---:|")
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(User.objects.get(username="central"))
    for label, url in admin_pages():
        p50, p95, queries = measure(client, url, args.runs)
        print(f"| {label} | {p50:.0f} | {p95:.0f} | {queries} |")
    name = ServiceRequest.objects.exclude(requester_last_name="").values_list("requester_last_name", flat=True).first()
    search = {"last_name": name}
    p50, p95, queries = measure_post(client, "/administration/donnees-personnelles/", search, args.runs)
    print(f"| données personnelles, recherche du nom « {name} » | {p50:.0f} | {p95:.0f} | {queries} |")
    if not args.no_retention:
        retention_run(args.retention_months)


if __name__ == "__main__":
    main()
