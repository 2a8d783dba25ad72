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
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")

import django

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from eusp.accounts.models import User  # noqa: E402
from eusp.casework.models import ServiceRequest  # noqa: E402
from eusp.directory.models import Category, District, State  # noqa: E402


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

    visible = visible_requests(user)
    latest = visible.order_by("-created_at").values_list("reference", flat=True).first()
    district = District.objects.order_by("pk").first()
    state = State.objects.order_by("position").first()
    category = Category.objects.order_by("pk").first()
    # A name from the user's own requests, and a rare word (one request's street) for the search.
    name = visible.exclude(requester_last_name="").order_by("-pk").values_list("requester_last_name", flat=True).first()
    rare = visible.exclude(location_address="").order_by("pk").values_list("location_address", flat=True).first()
    year = timezone.localdate().year
    return [
        ("tableau de bord", "/"),
        ("liste par défaut", "/demandes/"),
        ("liste, 2 filtres", f"/demandes/?district={district.pk}&state={state.pk}"),
        ("liste, 3 filtres", f"/demandes/?district={district.pk}&phase=open&category={category.pk}"),
        ("liste triée par échéance, dernière page", "/demandes/?sort=due&fin=1"),
        ("liste triée par réception, page suivante", _next_page(user, "/demandes/?sort=-received")),
        ("recherche rapide, mot courant", "/demandes/recherche-rapide/?q=rue"),
        ("recherche rapide, mot rare", f"/demandes/recherche-rapide/?{urlencode({'q': rare})}"),
        ("recherche rapide, nom", f"/demandes/recherche-rapide/?{urlencode({'q': name})}"),
        ("liste, mot courant", "/demandes/?q=trottoir"),
        (
            "recherche avancée, période",
            f"/demandes/recherche/?received_from={year - 1}-01-01&received_to={year - 1}-03-31&q=eclairage",
        ),
        ("fiche de suivi", f"/demandes/{latest}/"),
    ]


def _next_page(user: User, url: str) -> str:
    """The URL of the second page: what the « Suivante » link of the first one carries."""
    from eusp.casework.keyset import SORTS, keyset_page
    from eusp.casework.selectors import request_list

    first = keyset_page(request_list(user=user), SORTS["-received"])
    return f"{url}&apres={first.next_cursor}"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--only", default="", help="Only the pages whose label contains this text.")
    args = parser.parse_args()
    print(f"Base : {connection.vendor}, {ServiceRequest.objects.count():,} demandes".replace(",", " "))
    print("| profil | page | p50 (ms) | p95 (ms) | requêtes SQL |")
    print("|---|---|---:|---:|---:|")
    for username in ("central", "agent", "elu"):
        user = User.objects.get(username=username)
        client = Client(HTTP_HOST="127.0.0.1")
        client.force_login(user)
        for label, url in pages_for(user):
            if args.only not in label:
                continue
            p50, p95, queries = measure(client, url, args.runs)
            print(f"| {username} | {label} | {p50:.0f} | {p95:.0f} | {queries} |")


if __name__ == "__main__":
    main()
