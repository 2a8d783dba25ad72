"""Fixtures for the end-to-end tests: Debian's Chromium driven by Playwright, axe-core checks.

These tests run the whole stack (middleware, sessions, CSRF, htmx, static files through
WhiteNoise) over real HTTP with pytest-django's ``live_server``. They need Debian's
``chromium`` package (``scripts/ensure-chromium.sh`` installs it); without it they skip.
"""

import os
import threading
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.core.servers.basehttp import ThreadedWSGIServer
from django.db import connection
from django.test.testcases import LiveServerThread


class OneRequestAtATimeServer(ThreadedWSGIServer):
    """On the in-memory SQLite test database the live server's threads share one
    connection: two requests at once (the quick search answering while a page loads)
    would use it together and hang. Connections stay threaded, requests take turns."""

    turn = threading.Lock()

    def set_app(self, application):
        def one_at_a_time(environ, start_response):
            with self.turn:
                return application(environ, start_response)

        super().set_app(one_at_a_time)


if connection.vendor == "sqlite":
    LiveServerThread.server_class = OneRequestAtATimeServer

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    # No network on the CI machines: without these, Chromium keeps trying to reach
    # Google's services and floods the logs with refused connections.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# Impacts that fail a test; axe's "minor" and "moderate" findings are tolerated.
BLOCKING_IMPACTS = {"serious", "critical"}
PASSWORD = "motdepasse-de-test"  # the factories' password
ALLOW_ASYNC_UNSAFE = "DJANGO_ALLOW_ASYNC_UNSAFE"


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        pytest.skip(
            f"Chromium absent ({CHROMIUM}) : installez le paquet Debian 'chromium' "
            "(scripts/ensure-chromium.sh) pour lancer les tests de bout en bout."
        )
    sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright n'est pas installé")
    # Playwright's sync API keeps an asyncio event loop running in the test's thread. Django
    # sees that running loop and refuses every ORM call (SynchronousOnlyOperation): the
    # database set-up and flush of pytest-django, the factories, the checks reading back.
    # Those calls are plain synchronous code in the test's thread, never run by the loop, and
    # the live server answers in threads of its own, so the guard is a false alarm here.
    # Lift it only while the browser runs (this module), not for the rest of the test session.
    previous = os.environ.get(ALLOW_ASYNC_UNSAFE)
    os.environ[ALLOW_ASYNC_UNSAFE] = "true"
    try:
        with sync_api.sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            yield browser
            browser.close()
    finally:
        if previous is None:
            os.environ.pop(ALLOW_ASYNC_UNSAFE, None)
        else:
            os.environ[ALLOW_ASYNC_UNSAFE] = previous


@pytest.fixture
def page(browser, live_server, transactional_db, reference_data) -> Iterator:
    """A fresh French-speaking browser context (no cookies) per test.

    ``page.failed_assets`` lists the stylesheets, scripts and images the server refused.
    """
    context = browser.new_context(locale="fr-FR", timezone_id="Europe/Paris", base_url=live_server.url)
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.failed_assets = []

    def record_failure(response):
        if (
            response.status >= 400
            and response.request.resource_type in {"stylesheet", "script", "image", "font"}
            and urlsplit(response.url).path != "/favicon.ico"
        ):
            page.failed_assets.append(f"{response.status} {response.url}")

    page.on("response", record_failure)
    yield page
    context.close()


@pytest.fixture
def reference_data(transactional_db):
    """Origins, states and priorities, as the data migration seeds them.

    The live server answers from another thread, so the test's data must be committed:
    ``transactional_db`` empties the tables after each test instead of rolling back, and the
    migration's seed goes with them. pytest-django's ``django_db_serialized_rollback`` cannot
    bring it back here: once Playwright's loop runs, asgiref hands Django a new connection
    object per context, without the serialized copy of the database made at set-up.
    """
    from eusp.directory.models import Origin, Priority, State
    from eusp.directory.seed import seed_reference_data

    seed_reference_data(Origin, State, Priority)


@pytest.fixture(scope="module")
def axe():
    module = pytest.importorskip("axe_playwright_python.sync_playwright", reason="axe-playwright-python absent")
    return module.Axe()


def format_violations(violations: list[dict]) -> str:
    lines = []
    for violation in violations:
        lines.append(f"- {violation['id']} ({violation['impact']}): {violation['help']} <{violation['helpUrl']}>")
        for node in violation["nodes"]:
            target = " ".join(str(part) for part in node["target"])
            summary = " ".join(node.get("failureSummary", "").split())
            lines.append(f"    · {target} — {summary}")
    return "\n".join(lines)


@pytest.fixture
def assert_accessible(axe):
    """Run axe-core on the page as it is now; fail on serious or critical violations."""

    def check(page, label: str) -> None:
        # Contrast and visibility checks mean nothing on an unstyled page.
        assert not page.failed_assets, f"Ressources non servies sur {label} ({page.url}) : {page.failed_assets}"
        violations = axe.run(page).response["violations"]
        blocking = [v for v in violations if v["impact"] in BLOCKING_IMPACTS]
        assert not blocking, (
            f"axe-core : {len(blocking)} violation(s) grave(s) sur {label} ({page.url}) :\n"
            f"{format_violations(blocking)}"
        )

    return check


@pytest.fixture
def log_in():
    """Log in through the login form, like a person would (from the form if already on it)."""

    def log_in(page, username: str, password: str = PASSWORD) -> None:
        if "/connexion/" not in page.url:
            page.goto("/connexion/")
        page.get_by_label("Identifiant").fill(username)
        page.get_by_label("Mot de passe").fill(password)
        page.get_by_role("button", name="Se connecter").click()
        page.wait_for_url(lambda url: "/connexion/" not in url)

    return log_in
