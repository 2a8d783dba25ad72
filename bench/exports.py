"""Time the request exports and their peak memory, through the full Django stack.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/eusp_bench .venv/bin/python bench/exports.py [--only xlsx]

Each export runs in a fresh process (so its peak RSS is its own): it logs in as a demo
user of a database filled by ``bench/generate.sh`` (a signed-cookie session: nothing is
written to the database), asks /demandes/export.<fmt>, reads the
whole response (a streamed one included) and reports the time, the size, the rows and
the peak RSS of the process (``VmHWM``). A benchmark, not a test: run it on a quiet
machine and copy the table into README.md. Only reads the database.
"""

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
# The synchronous path is what is timed here, whatever the size.
os.environ.setdefault("EUSP_EXPORT_SYNC_MAX_ROWS", str(10**9))


def peak_rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def read_only() -> None:
    """Log in without writing: sessions in a signed cookie, no ``last_login`` update."""
    import django
    from django.conf import settings

    django.setup()
    from django.contrib.auth.models import update_last_login
    from django.contrib.auth.signals import user_logged_in

    settings.SESSION_ENGINE = "django.contrib.sessions.backends.signed_cookies"
    user_logged_in.disconnect(update_last_login, dispatch_uid="update_last_login")


def run_one(username: str, fmt: str, query: str) -> dict:
    """In the child process: one export, measured."""
    read_only()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from eusp.accounts.models import User

    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(User.objects.get(username=username))
    client.get("/")  # the session, the connection and the templates warm
    before = peak_rss_mb()
    start = time.perf_counter()
    size = 0
    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"/demandes/export.{fmt}?{query}")
        assert response.status_code == 200, response.status_code
        first_byte = None
        for chunk in response.streaming_content:
            if first_byte is None:
                first_byte = time.perf_counter() - start
            size += len(chunk)
        response.close()
    return {
        "seconds": time.perf_counter() - start,
        "first_byte": first_byte or 0.0,
        "bytes": size,
        "rss_before": before,
        "rss_peak": peak_rss_mb(),
        "queries": len(queries),
    }


def cases() -> list[tuple[str, str, str, str]]:
    """(label, user, format, query string), the 100,000-row ones from the newest received."""
    from eusp.casework.models import ServiceRequest

    newest = ServiceRequest.objects.order_by("-received_on").values_list("received_on", flat=True)
    since = newest[99_999].isoformat()
    hundred_k = f"archives=tout&received_from={since}"
    return [
        ("CSV, toutes les demandes (archives comprises)", "central", "csv", "archives=tout"),
        ("CSV, demandes en cours (liste par défaut)", "central", "csv", ""),
        ("CSV, ≈ 100 000 demandes", "central", "csv", hundred_k),
        ("XLSX, ≈ 100 000 demandes", "central", "xlsx", hundred_k),
        ("ODS, ≈ 100 000 demandes", "central", "ods", hundred_k),
        ("XLSX, ≈ 100 000 demandes, trié par échéance", "central", "xlsx", f"{hundred_k}&sort=due"),
        ("CSV, toutes les siennes (agent)", "agent", "csv", "archives=tout"),
        ("CSV, toutes les siennes (élu)", "elu", "csv", "archives=tout"),
        ("CSV, mot courant", "central", "csv", "q=trottoir&archives=tout"),
        ("XLSX, toutes les demandes (archives comprises)", "central", "xlsx", "archives=tout"),
    ]


def row_count(username: str, query: str) -> int:
    from django.http import QueryDict

    from eusp.accounts.models import User
    from eusp.reporting.exports.selectors import request_export

    export = request_export(user=User.objects.get(username=username), params=QueryDict(query))
    return export.queryset.order_by().count()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--only", default="", help="Only the exports whose label contains this text.")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(run_one(*json.loads(args.child))))
        return
    read_only()
    from django.db import connection

    from eusp.casework.models import ServiceRequest

    todo = [case for case in cases() if args.only in case[0]]
    total = f"{ServiceRequest.objects.count():,}".replace(",", " ")
    print(f"Base : {connection.vendor}, {total} demandes")
    print("| export | profil | lignes | durée (s) | premier octet (s) | taille (Mo) | RSS max (Mo) | requêtes SQL |")
    print("|---|---|---:|---:|---:|---:|---:|---:|")
    for label, username, fmt, query in todo:
        rows = row_count(username, query)
        child = subprocess.run(
            [sys.executable, __file__, "--child", json.dumps([username, fmt, query])],
            capture_output=True,
            text=True,
            check=True,
            cwd=ROOT,
        )
        m = json.loads(child.stdout.strip().splitlines()[-1])
        count = f"{rows:,}".replace(",", " ")
        line = (
            f"| {label} | {username} | {count} | {m['seconds']:.1f} | {m['first_byte']:.2f} | {m['bytes'] / 1e6:.0f} "
            f"| {m['rss_peak']:.0f} (dont {m['rss_before']:.0f} au départ) | {m['queries']} |"
        )
        print(line, flush=True)


if __name__ == "__main__":
    main()
