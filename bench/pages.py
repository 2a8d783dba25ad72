"""Time the main pages through the full Django stack (middleware, sessions, templates).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/eusp_bench .venv/bin/python bench/pages.py [--runs 30]

Logs in as the demo users (``central``, ``agent``, ``elu``) of a database filled by
``bench/generate.sh`` and prints p50/p95 in milliseconds and the SQL queries per page.
A benchmark, not a test: run it on a quiet machine and copy the table into README.md.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")

import django

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from eusp.accounts.models import User  # noqa: E402
from eusp.casework.models import ServiceRequest  # noqa: E402
from eusp.directory.models import District, State  # noqa: E402


def measure(client: Client, url: str, runs: int) -> tuple[float, float, int]:
    client.get(url)  # warm caches and the connection
    timings = []
    for _ in range(runs):
        start = time.perf_counter()
        response = client.get(url)
        timings.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    timings.sort()
    p95 = timings[max(0, round(0.95 * len(timings)) - 1)]
    return statistics.median(timings), p95, len(queries)


def pages_for(user: User) -> list[tuple[str, str]]:
    from eusp.casework.permissions import visible_requests

    latest = visible_requests(user).order_by("-created_at").values_list("reference", flat=True).first()
    district = District.objects.order_by("pk").first()
    state = State.objects.order_by("position").first()
    return [
        ("tableau de bord", "/"),
        ("liste par défaut", "/demandes/"),
        ("liste, 2 filtres", f"/demandes/?district={district.pk}&state={state.pk}"),
        ("liste, page 20", "/demandes/?page=20"),
        ("fiche de suivi", f"/demandes/{latest}/"),
    ]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    print(f"Base : {connection.vendor}, {ServiceRequest.objects.count():,} demandes".replace(",", " "))
    print("| profil | page | p50 (ms) | p95 (ms) | requêtes SQL |")
    print("|---|---|---:|---:|---:|")
    for username in ("central", "agent", "elu"):
        user = User.objects.get(username=username)
        client = Client(HTTP_HOST="127.0.0.1")
        client.force_login(user)
        for label, url in pages_for(user):
            p50, p95, queries = measure(client, url, args.runs)
            print(f"| {username} | {label} | {p50:.0f} | {p95:.0f} | {queries} |")


if __name__ == "__main__":
    main()
