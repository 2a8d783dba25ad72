"""The statistics in Chromium: the distribution by quartier, another breakdown, a bar's
link to the requests behind it, the other views and the print view. axe-core checks
each screen."""

import re

import pytest
from playwright.sync_api import expect

from tests.factories import CentralFactory, DistrictFactory, ServiceRequestFactory

pytestmark = pytest.mark.e2e


@pytest.fixture
def town(reference_data):
    central = CentralFactory(username="claire", first_name="Claire", last_name="Dupuis")
    north, south = DistrictFactory(name="Nord"), DistrictFactory(name="Sud")
    for _ in range(3):
        ServiceRequestFactory(created_by=central, district=north)
    ServiceRequestFactory(created_by=central, district=south)


def test_statistics_breakdown_link_views_and_print(page, log_in, assert_accessible, town):
    log_in(page, "claire")
    page.get_by_role("navigation", name="Navigation principale").get_by_role("link", name="Statistiques").click()
    page.wait_for_url(re.compile(r"/statistiques/$"))
    expect(page.get_by_role("heading", name="Demandes par quartier")).to_be_visible()
    chart = page.get_by_role("img", name="Demandes par quartier")
    expect(chart).to_be_visible()
    expect(page.get_by_role("table", name=re.compile("Demandes par quartier"))).to_contain_text("Nord")
    assert_accessible(page, "statistiques, répartition")

    # Another breakdown: the phases, all four requests still new.
    page.get_by_label("Répartition par").select_option(label="Phase")
    page.get_by_role("button", name="Afficher").click()
    expect(page.get_by_role("heading", name="Demandes par phase")).to_be_visible()
    assert "par=phase" in page.url
    page.get_by_label("Répartition par").select_option(label="Quartier")
    page.get_by_role("button", name="Afficher").click()

    # A bar's link: the advanced search lists exactly its requests.
    page.get_by_role("table", name=re.compile("Demandes par quartier")).get_by_role("link", name="Nord").click()
    page.wait_for_url(re.compile(r"/demandes/recherche/\?.*district="))
    expect(page.locator("#results tbody tr")).to_have_count(3)
    expect(page.get_by_label("Chercher parmi les demandes")).to_have_value("tout")
    page.go_back()

    for tab, heading in (
        ("Évolution", "Demandes reçues par mois"),
        ("Tableau croisé", "Demandes par quartier et par phase"),
        ("Délais", "Délais par quartier"),  # the breakdown chosen above carries over
    ):
        page.get_by_role("navigation", name="Vues des statistiques").get_by_role("link", name=tab).click()
        expect(page.get_by_role("heading", name=heading)).to_be_visible()
        assert_accessible(page, f"statistiques, {tab.lower()}")

    page.get_by_role("link", name="Version imprimable").click()
    expect(page.get_by_role("heading", name=re.compile("Statistiques des demandes"))).to_be_visible()
    expect(page.get_by_role("navigation")).to_have_count(0)
    expect(page.locator("form")).to_have_count(0)
    assert_accessible(page, "statistiques, version imprimable")
