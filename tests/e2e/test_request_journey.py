"""A request's journey in a real Chromium: log in, create, follow up, find it in the list.

Every page on the way is checked with axe-core (WCAG 2.1 AA rules, as RGAA 4.1 asks).
"""

import re

import pytest
from django.utils import timezone

from eusp.casework.models import ServiceRequest
from eusp.directory.models import Service
from tests.factories import CategoryFactory, CentralFactory, DistrictFactory, ElectedFactory, ServiceFactory

pytest.importorskip("playwright.sync_api", reason="Playwright n'est pas installé")
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e

REFERENCE = re.compile(r"\b\d{4}-\d{5}\b")


@pytest.fixture
def city():
    """Services, categories and quartiers the journey needs (origins, states, priorities: ``reference_data``)."""
    roads = ServiceFactory(name="Voirie", kind=Service.Kind.BOTH)
    works = ServiceFactory(name="Travaux", kind=Service.Kind.BOTH)
    parks = ServiceFactory(name="Espaces verts", kind=Service.Kind.BOTH)
    return {
        "roads": roads,
        "works": works,
        "parks": parks,
        "pothole": CategoryFactory(
            name="Nid de poule", default_instructing_service=roads, default_executing_service=works
        ),
        "tree": CategoryFactory(
            name="Arbre dangereux", default_instructing_service=parks, default_executing_service=parks
        ),
        "centre": DistrictFactory(name="Centre-ville"),
        "hills": DistrictFactory(name="Les Hauts"),
    }


def test_skip_link_is_first_and_moves_focus_to_main(page, log_in):
    user = CentralFactory(username="clavier")
    log_in(page, user.username)
    page.goto("/")
    skip_link = page.locator(".skip-link")
    assert skip_link.bounding_box()["x"] < 0, "The skip link should stay off-screen until focused"
    page.keyboard.press("Tab")
    focused = page.evaluate("() => [document.activeElement.className, document.activeElement.getAttribute('href')]")
    assert focused == ["skip-link", "#main"], f"First focusable element is not the skip link: {focused}"
    expect(skip_link).to_have_text("Aller au contenu")
    assert skip_link.bounding_box()["x"] >= 0, "The focused skip link should be on screen"
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.id") == "main"
    # The next Tab continues from the content, not from the top of the page.
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.getElementById('main').contains(document.activeElement)")


def test_central_service_creates_a_request_and_finds_it_in_the_list(page, log_in, assert_accessible, city):
    central = CentralFactory(username="centrale", first_name="Claire", last_name="Dupuis")

    # Log in through the form.
    page.goto("/demandes/")
    expect(page).to_have_url(re.compile(r"/connexion/\?next="))
    assert_accessible(page, "la page de connexion")
    log_in(page, central.username)

    # Dashboard.
    page.goto("/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Tableau de bord")
    assert_accessible(page, "le tableau de bord")

    # Creation form, empty, then refused with the errors shown.
    page.get_by_role("navigation", name="Navigation principale").get_by_role("link", name="Nouvelle demande").click()
    expect(page).to_have_url(re.compile(r"/demandes/nouvelle/$"))
    legends = page.locator("fieldset legend")
    expect(legends).to_have_text(["Identité du demandeur", "Objet de la demande", "Suivi de la demande"])
    assert_accessible(page, "le formulaire de création vide")

    page.get_by_role("button", name="Enregistrer la demande").click()
    expect(page.get_by_role("alert")).to_contain_text("La demande n'a pas été enregistrée")
    expect(page.locator(".field--error").first).to_be_visible()
    assert_accessible(page, "le formulaire de création refusé")

    # Requester identity.
    page.select_option("#id_requester_civility", "mme")
    page.fill("#id_requester_last_name", "Durand")
    page.fill("#id_requester_first_name", "Jeanne")
    page.fill("#id_requester_address", "12 rue des Lilas")
    page.fill("#id_requester_email", "jeanne.durand@example.org")
    # Object: choosing the category proposes its services through htmx.
    page.select_option("#id_origin", label="Téléphone")
    page.fill("#id_received_on", timezone.localdate().isoformat())
    instructing, executing = page.locator("#id_instructing_service"), page.locator("#id_executing_service")
    page.select_option("#id_category", label="Nid de poule")
    expect(instructing).to_have_value(str(city["roads"].pk))
    expect(executing).to_have_value(str(city["works"].pk))
    page.select_option("#id_category", label="Arbre dangereux")
    expect(instructing).to_have_value(str(city["parks"].pk))
    expect(executing).to_have_value(str(city["parks"].pk))
    page.select_option("#id_category", label="Nid de poule")
    expect(instructing).to_have_value(str(city["roads"].pk))
    page.fill("#id_subject", "Nid de poule devant l'école")
    page.fill("#id_description", "Trou profond sur la chaussée, dangereux pour les vélos.")
    page.fill("#id_location_address", "3 avenue Jean Jaurès")
    page.select_option("#id_district", label="Centre-ville")
    # Follow-up: keep the proposed services.
    page.get_by_role("button", name="Enregistrer la demande").click()

    # The follow-up sheet.
    expect(page).to_have_url(re.compile(r"/demandes/\d{4}-\d{5}/$"))
    sr = ServiceRequest.objects.get()
    assert sr.reference == f"{timezone.localdate().year}-00001"
    assert (sr.instructing_service, sr.executing_service, sr.district) == (
        city["roads"],
        city["works"],
        city["centre"],
    )
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_contain_text(f"Demande {sr.reference}")
    expect(heading).to_contain_text("Nid de poule devant l'école")
    creation = page.locator(".timeline__item--created")
    expect(creation).to_contain_text("Création")
    expect(creation).to_contain_text("Claire Dupuis")
    assert_accessible(page, "la fiche de suivi")

    # The list, then filtered by quartier (htmx, the URL keeps the filter).
    page.get_by_role("navigation", name="Navigation principale").get_by_role("link", name="Demandes").click()
    results = page.locator("#results")
    row = results.get_by_role("row").filter(has=page.get_by_role("link", name=sr.reference))
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Centre-ville")
    assert_accessible(page, "la liste des demandes")

    page.select_option("#id_district", label="Centre-ville")
    expect(page).to_have_url(re.compile(rf"district={city['centre'].pk}"))
    expect(row).to_have_count(1)
    page.select_option("#id_district", label="Les Hauts")
    expect(page).to_have_url(re.compile(rf"district={city['hills'].pk}"))
    expect(results).to_contain_text("Aucune demande.")
    expect(row).to_have_count(0)
    assert_accessible(page, "la liste filtrée")

    # A bookmarked filtered URL gives the same answer without htmx.
    page.goto(f"/demandes/?district={city['centre'].pk}")
    expect(row).to_have_count(1)


def test_elected_official_creates_a_request_they_are_referent_of(page, log_in, assert_accessible, city):
    elected = ElectedFactory(username="elue", first_name="Paule", last_name="Lemoine")
    log_in(page, elected.username)
    expect(page.get_by_role("heading", level=1)).to_have_text("Tableau de bord")
    assert_accessible(page, "le tableau de bord d'un élu")

    page.goto("/demandes/nouvelle/")
    expect(page.locator("#id_referent_official")).to_have_value(str(elected.pk))
    page.fill("#id_requester_last_name", "Petit")
    page.select_option("#id_origin", label="Par élu")
    page.select_option("#id_category", label="Arbre dangereux")
    expect(page.locator("#id_instructing_service")).to_have_value(str(city["parks"].pk))
    page.fill("#id_subject", "Branche menaçante au-dessus du trottoir")
    page.fill("#id_location_address", "Square des Tilleuls")
    page.select_option("#id_district", label="Les Hauts")
    page.get_by_role("button", name="Enregistrer la demande").click()

    expect(page).to_have_url(re.compile(r"/demandes/\d{4}-\d{5}/$"))
    reference = REFERENCE.search(page.get_by_role("heading", level=1).inner_text()).group()
    expect(page.locator(".timeline__item--created")).to_contain_text("Paule Lemoine")

    page.goto("/demandes/")
    expect(page.locator("#results").get_by_role("link", name=reference)).to_be_visible()
