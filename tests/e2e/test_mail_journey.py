"""Mail that never gets lost, in Chromium: with the mail server down, an answer's e-mail
fails; the central service finds it in Administration › Courriels with the error, resends
it once the server is back, and it arrives. An élu switches to the daily digest."""

import re

import pytest
from playwright.sync_api import expect

from eusp.notifications.delivery import outbox_flush
from tests.factories import CentralFactory, ElectedFactory, ServiceRequestFactory

pytestmark = pytest.mark.e2e


def test_a_failed_answer_is_seen_and_resent_from_the_mail_page(
    page, log_in, assert_accessible, reference_data, smtp_server, settings
):
    central = CentralFactory(username="claire", first_name="Claire", last_name="Dupuis")
    sr = ServiceRequestFactory(created_by=central, subject="Banc cassé", requester_email="jeanne.durand@example.org")
    server_port, settings.EMAIL_PORT = settings.EMAIL_PORT, 9  # nothing listens there
    settings.EUSP_MAIL_MAX_ATTEMPTS = 1

    log_in(page, "claire")
    page.goto(f"/demandes/{sr.reference}/reponses/nouvelle/")
    page.get_by_label("E-mail", exact=True).check()
    page.get_by_label("Texte de la réponse").fill("Madame, le banc sera remplacé la semaine prochaine.")
    page.get_by_role("button", name="Enregistrer la réponse").click()
    expect(page.locator(".answers")).to_contain_text("Échec de l'envoi")

    page.get_by_role("link", name="Administration").click()
    assert_accessible(page, "administration")
    page.get_by_role("link", name="Courriels", exact=True).click()
    page.wait_for_url(re.compile(r"/administration/courriels/$"))
    assert_accessible(page, "courriels")
    row = page.locator("tr", has_text="jeanne.durand@example.org")
    expect(row).to_contain_text("Échec")
    expect(row).to_contain_text("Réponse")

    settings.EMAIL_PORT = server_port  # the mail server is back
    row.get_by_role("button", name=re.compile("^Renvoyer")).click()
    expect(page.get_by_text("Le courriel à jeanne.durand@example.org est remis en file d'envoi.")).to_be_visible()
    outbox_flush()  # what the scheduler does every few seconds
    page.get_by_label("État").select_option(label="Envoyé")
    page.get_by_role("button", name="Filtrer").click()
    expect(page.locator("tr", has_text="jeanne.durand@example.org")).to_contain_text("Envoyé")
    [mail] = [m for m in smtp_server.messages if m.rcpt_tos == ["jeanne.durand@example.org"]]
    assert "le banc sera remplacé" in mail.body

    page.goto(f"/demandes/{sr.reference}/")
    expect(page.locator(".answers")).to_contain_text("Envoyé – jeanne.durand@example.org")


def test_an_elu_chooses_the_daily_digest(page, log_in, assert_accessible, reference_data):
    elu = ElectedFactory(username="jm", first_name="Jean-Marc", last_name="Rivière", email="jm@ville.test")
    log_in(page, "jm")
    page.get_by_role("link", name=re.compile("Jean-Marc Rivière")).click()
    assert_accessible(page, "mon compte")
    page.get_by_label("Un récapitulatif par jour").check()
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_text("Vos préférences sont enregistrées.")).to_be_visible()
    elu.refresh_from_db()
    assert elu.alert_mode == "digest"
