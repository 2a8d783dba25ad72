"""Time the statistics pages through the full Django stack, as ``bench/pages.py`` does.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/eusp_bench .venv/bin/python bench/stats_pages.py [--runs 10]

Logs in as the demo users (``central``, ``agent``, ``elu``) of a database filled by
``bench/generate.sh`` and prints p50/p95 in milliseconds and the SQL queries of each view
of /statistiques/ (distribution, evolution, crossed table, delays), unfiltered and over a
period. ``--explain`` prints PostgreSQL's plan of each view's heaviest query instead.
A benchmark, not a test: run it on a quiet machine and copy the table into README.md.
"""

import argparse
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")

import django

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402
from pages import measure  # noqa: E402  (bench/pages.py, beside this file)

from eusp.accounts.models import User  # noqa: E402
from eusp.casework.models import ServiceRequest  # noqa: E402


def statistics_pages() -> list[tuple[str, str]]:
    year = timezone.localdate().year - 1
    period = f"received_from={year}-01-01&received_to={year}-12-31"
    return [
        ("répartition par quartier", "/statistiques/"),
        ("répartition par service instructeur, archives comprises", "/statistiques/?par=service-instructeur"),
        ("répartition par état, en cours", "/statistiques/?par=etat&archives=0"),
        ("évolution par mois", "/statistiques/?vue=evolution"),
        ("évolution par semaine, une année", f"/statistiques/?vue=evolution&pas=semaine&{period}"),
        ("croisement quartier × état", "/statistiques/?vue=croisement&croise=etat"),
        ("croisement catégorie × quartier", "/statistiques/?vue=croisement&par=categorie&croise=quartier"),
        ("délais par service instructeur", "/statistiques/?vue=delais"),
        ("délais par quartier", "/statistiques/?vue=delais&par=quartier"),
        ("délais par service, une année", f"/statistiques/?vue=delais&{period}"),
        ("version imprimable (répartition)", "/statistiques/?impression=1"),
    ]


def explain(client: Client, url: str) -> None:
    """PostgreSQL's plan of the slowest query of a page."""
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    slowest = max(queries.captured_queries, key=lambda q: float(q["time"]))
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {slowest['sql']}")
        print(f"\n### {url} ({slowest['time']} s)\n" + "\n".join(row[0] for row in cursor.fetchall()))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--only", default="", help="Only the pages whose label contains this text.")
    parser.add_argument("--users", default="central,agent,elu")
    parser.add_argument("--explain", action="store_true", help="Print the plan of each page's slowest query.")
    args = parser.parse_args()
    print(f"Base : {connection.vendor}, {ServiceRequest.objects.count():,} demandes".replace(",", " "))
    if not args.explain:
        print("| profil | page | p50 (ms) | p95 (ms) | requêtes SQL |")
        print("|---|---|---:|---:|---:|")
    for username in args.users.split(","):
        client = Client(HTTP_HOST="127.0.0.1")
        client.force_login(User.objects.get(username=username))
        for label, url in statistics_pages():
            if args.only not in label:
                continue
            if args.explain:
                explain(client, url)
                continue
            p50, p95, queries = measure(client, url, args.runs)
            print(f"| {username} | {label} | {p50:.0f} | {p95:.0f} | {queries} |", flush=True)


if __name__ == "__main__":
    main()
