"""A request's whole life in Chromium: the central service assigns, the agent instructs
and executes, the central service answers by e-mail (a real SMTP server receives it),
archives, then reactivates. axe-core checks every screen on the way."""

import re

import pytest
from playwright.sync_api import expect

from eusp.casework.models import ServiceRequest
from tests.factories import AgentFactory, CategoryFactory, CentralFactory, ServiceFactory, ServiceRequestFactory

pytestmark = pytest.mark.e2e


@pytest.fixture
def journey(reference_data):
    roads = ServiceFactory(name="Voirie")
    central = CentralFactory(username="claire", first_name="Claire", last_name="Dupuis")
    AgentFactory(username="karim", first_name="Karim", last_name="Benali", services=[roads])
    category = CategoryFactory(name="Nid-de-poule", default_instructing_service=None, default_executing_service=None)
    sr = ServiceRequestFactory(
        created_by=central,
        category=category,
        subject="Trou devant l'école",
        requester_email="jeanne.durand@example.org",
    )
    return sr, roads


def log_out(page):
    page.get_by_role("button", name="Se déconnecter").click()
    page.wait_for_url(re.compile(r"/connexion/"))


def test_assign_instruct_execute_answer_archive_reactivate(page, log_in, assert_accessible, journey, smtp_server):
    sr, _roads = journey
    sheet = f"/demandes/{sr.reference}/"

    # The central service assigns the request to Voirie.
    log_in(page, "claire")
    page.goto(sheet)
    assert_accessible(page, "fiche de suivi (service centralisateur)")
    page.get_by_role("link", name="Modifier la demande").click()
    assert_accessible(page, "modification de la demande")
    page.get_by_label("Service instructeur").select_option(label="Voirie")
    page.get_by_label("Service exécution").select_option(label="Voirie")
    page.get_by_role("button", name="Enregistrer les modifications").click()
    expect(page.get_by_text("La demande a été modifiée.")).to_be_visible()
    expect(page.locator(".timeline")).to_contain_text("Affectation")
    # Voirie's agent is invited by mail to log in and open the request.
    (alert,) = [m for m in smtp_server.messages if m.rcpt_tos == ["karim@ville.test"]]
    assert str(alert.message["Subject"]).strip() == f"Demande {sr.reference} confiée : Trou devant l'école"
    assert f"/demandes/{sr.reference}/" in alert.body
    log_out(page)

    # The agent instructs (in place, through htmx) then records the work done.
    log_in(page, "karim")
    page.goto(sheet)
    assert_accessible(page, "fiche de suivi (agent)")
    instruction = page.locator(".action-form--instruction")
    instruction.get_by_label("Faisable", exact=True).check()
    instruction.get_by_label("Délai prévu (jours ouvrés)").fill("5")
    instruction.get_by_label("Observations").fill("Rebouchage à l'enrobé à froid.")
    instruction.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_text("L'instruction a été enregistrée.")).to_be_visible()
    expect(page.locator(".timeline")).to_contain_text("Rebouchage à l'enrobé à froid.")
    assert page.url.endswith(sheet)  # updated in place, no navigation
    execution = page.locator(".action-form--execution")
    execution.get_by_label("Avancement des travaux").fill("Trou rebouché ce matin.")
    execution.get_by_label("Travaux réalisés").check()
    execution.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_text("Le suivi de l'exécution a été enregistré.")).to_be_visible()
    expect(page.locator(".page-header .state-badge")).to_have_text("Réalisée")
    log_out(page)

    # The central service answers the citizen by e-mail, then archives.
    log_in(page, "claire")
    page.goto("/")
    expect(page.locator("#section-to_answer")).to_be_visible()
    page.goto(sheet)
    page.get_by_role("link", name="Répondre à l'usager").click()
    assert_accessible(page, "réponse à l'usager")
    page.get_by_label("E-mail", exact=True).check()
    page.get_by_label("Objet").fill("Votre signalement")
    page.get_by_label("Texte de la réponse").fill("Madame, le trou devant l'école a été rebouché.")
    page.get_by_role("button", name="Enregistrer la réponse").click()
    page.wait_for_url(re.compile(re.escape(sheet) + "$"))
    expect(page.locator(".answers")).to_contain_text("E-mail")
    to_requester = [m for m in smtp_server.messages if m.rcpt_tos == ["jeanne.durand@example.org"]]
    assert len(to_requester) == 1
    assert "le trou devant l'école a été rebouché" in to_requester[0].body

    page.get_by_role("button", name="Archiver la demande").click()
    expect(page.get_by_text("la fiche est en lecture seule")).to_be_visible()
    assert_accessible(page, "fiche archivée")
    page.goto("/archives/")
    expect(page.get_by_role("link", name=sr.reference)).to_be_visible()

    # Reactivated: back among the live requests, open again.
    page.goto(sheet)
    page.get_by_label("Motif de la réactivation").fill("Le trou s'est rouvert.")
    page.get_by_role("button", name="Réactiver la demande").click()
    expect(page.get_by_text("La demande a été réactivée.")).to_be_visible()
    expect(page.locator(".page-header .state-badge")).to_have_text("Nouvelle")
    sr = ServiceRequest.objects.get(pk=sr.pk)
    assert not sr.is_archived and sr.closed_at is None
    assert list(sr.events.values_list("kind", flat=True)) == [
        "created",
        "assigned",
        "instruction",
        "state_changed",
        "execution",
        "closed",
        "answer",
        "archived",
        "reactivated",
    ]
