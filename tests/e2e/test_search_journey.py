"""Finding a request in Chromium: live results under the quick-search box, filters and
sort applied in place with the URL kept (and the back button), the advanced search and a
saved search on the dashboard. axe-core checks each screen."""

import re

import pytest
from playwright.sync_api import expect

from tests.factories import CentralFactory, DistrictFactory, ServiceRequestFactory

pytestmark = pytest.mark.e2e


@pytest.fixture
def requests_to_find(reference_data):
    central = CentralFactory(username="claire", first_name="Claire", last_name="Dupuis")
    north, south = DistrictFactory(name="Nord"), DistrictFactory(name="Sud")
    lamp = ServiceRequestFactory(
        created_by=central, subject="Éclairage – Rue Louis-Pasteur", district=north, requester_last_name="Lefèvre"
    )
    ServiceRequestFactory(created_by=central, subject="Tag sur le gymnase", district=south)
    ServiceRequestFactory(created_by=central, subject="Banc cassé", district=north)
    return lamp


def test_quick_search_filters_sort_and_a_saved_search(page, log_in, assert_accessible, requests_to_find):
    lamp = requests_to_find
    log_in(page, "claire")

    # Live results as one types, accents and case folded.
    page.get_by_label("Rechercher une demande").fill("eclairage pasteur")
    results = page.locator("#quick-results")
    expect(results.get_by_role("link", name=re.compile("Éclairage – Rue Louis-Pasteur"))).to_be_visible()
    assert_accessible(page, "recherche rapide")
    page.get_by_label("Rechercher une demande").press("Enter")
    page.wait_for_url(re.compile(r"/demandes/\?q=eclairage"))
    expect(page.locator("#results tbody tr")).to_have_count(1)

    # A reference opens the request.
    page.get_by_label("Rechercher une demande").fill(lamp.reference)
    page.get_by_label("Rechercher une demande").press("Enter")
    page.wait_for_url(re.compile(re.escape(lamp.get_absolute_url()) + "$"))

    # Filters apply in place, the URL follows, the back button returns.
    page.goto("/demandes/")
    expect(page.locator("#results tbody tr")).to_have_count(3)
    page.get_by_label("Quartier").select_option(label="Nord")
    expect(page.locator("#results tbody tr")).to_have_count(2)
    assert "district=" in page.url
    page.get_by_role("link", name=re.compile("^Reçue le")).click()
    expect(page.locator("th[aria-sort]")).to_have_count(1)
    assert "sort=received" in page.url and "district=" in page.url
    assert_accessible(page, "liste filtrée et triée")
    page.go_back()
    expect(page.locator("th[aria-sort]")).to_have_count(0)

    # Saved under a name, found on the dashboard.
    page.get_by_label("Enregistrer cette recherche sous le nom").fill("Quartier Nord")
    page.get_by_role("button", name="Enregistrer", exact=True).click()
    expect(page.get_by_text("Recherche « Quartier Nord » enregistrée")).to_be_visible()
    page.goto("/")
    page.get_by_role("link", name="Quartier Nord").click()
    expect(page.locator("#results tbody tr")).to_have_count(2)

    # The advanced search: the words in the requester's name only.
    page.goto("/demandes/recherche/")
    assert_accessible(page, "recherche avancée")
    page.get_by_label("Mots", exact=True).fill("lefevre")
    page.get_by_label("Chercher les mots dans").select_option(label="Demandeur (nom, e-mail, téléphone)")
    page.get_by_role("button", name="Filtrer").click()
    expect(page.locator("#results tbody tr")).to_have_count(1)
    expect(page.locator("#results")).to_contain_text("Éclairage – Rue Louis-Pasteur")
