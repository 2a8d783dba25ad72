"""The main screens under the real Content-Security-Policy (no bypass): the browser refuses
nothing, htmx still answers, and the state badges keep their colour without inline styles."""

import re

import pytest
from playwright.sync_api import expect

from tests.factories import CentralFactory, DistrictFactory, ServiceRequestFactory

pytestmark = pytest.mark.e2e

CSP_VIOLATION = re.compile(r"Content Security Policy|Refused to", re.IGNORECASE)


def test_main_screens_break_no_rule_of_the_policy(page, log_in, reference_data):
    central = CentralFactory(username="claire")
    north = DistrictFactory(name="Nord")
    lamp = ServiceRequestFactory(created_by=central, subject="Éclairage – Rue Louis-Pasteur", district=north)
    ServiceRequestFactory(created_by=central, subject="Tag sur le gymnase", district=DistrictFactory(name="Sud"))
    complaints = []
    page.on("console", lambda message: complaints.append(f"console {message.type}: {message.text}"))
    page.on("pageerror", lambda error: complaints.append(f"pageerror: {error}"))

    log_in(page, "claire")
    expect(page.get_by_role("heading", level=1)).to_be_visible()  # dashboard

    # htmx: live results under the quick-search box.
    page.get_by_label("Rechercher une demande").fill("eclairage")
    expect(page.locator("#quick-results").get_by_role("link", name=re.compile("Éclairage"))).to_be_visible()

    # htmx: the list filtered in place.
    page.goto("/demandes/")
    expect(page.locator("#results tbody tr")).to_have_count(2)
    page.get_by_label("Quartier").select_option(label="Nord")
    expect(page.locator("#results tbody tr")).to_have_count(1)
    assert "district=" in page.url

    # The badge's colour comes from the states' stylesheet (« Nouvelle » is #1f5fa8).
    badge = page.locator("#results .state-badge").first
    expect(badge).to_have_css("background-color", "rgb(31, 95, 168)")

    page.goto(lamp.get_absolute_url())
    expect(page.get_by_role("heading", level=1)).to_contain_text(lamp.reference)
    page.goto("/statistiques/")
    expect(page.get_by_role("heading", level=1)).to_be_visible()

    assert not page.failed_assets, page.failed_assets
    refused = [line for line in complaints if CSP_VIOLATION.search(line)]
    assert not refused, "\n".join(refused)
    assert not [line for line in complaints if line.startswith("pageerror")], complaints
