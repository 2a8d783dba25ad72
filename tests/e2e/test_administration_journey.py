"""The central service administers in Chromium: creates an agent's account (who receives a
link, chooses a password and logs in), merges two origins without losing a request,
renames the city, and reads all of it in the journal. Each page passes axe-core."""

import re

import pytest
from playwright.sync_api import expect

from eusp.casework.models import ServiceRequest
from eusp.directory.models import Origin
from eusp.notifications.delivery import outbox_flush
from tests.factories import CentralFactory, OriginFactory, ServiceFactory, ServiceRequestFactory

pytestmark = pytest.mark.e2e


def test_the_central_service_administers_users_lists_and_settings(
    page, log_in, assert_accessible, reference_data, smtp_server
):
    central = CentralFactory(username="claire", first_name="Claire", last_name="Dupuis")
    ServiceFactory(name="Propreté urbaine")
    phone_call = OriginFactory(name="Appel au standard")
    switchboard = Origin.objects.get(name="Téléphone")
    moved = [ServiceRequestFactory(created_by=central, origin=phone_call) for _ in range(3)]
    ServiceRequestFactory(created_by=central, origin=switchboard)

    log_in(page, "claire")
    page.get_by_role("link", name="Administration", exact=True).click()
    assert_accessible(page, "administration")

    # A new agent's account: created without a password, a link leaves by mail.
    page.get_by_role("link", name="Utilisateurs", exact=True).click()
    assert_accessible(page, "utilisateurs")
    page.get_by_role("link", name=re.compile("Créer un compte|Nouvel utilisateur")).first.click()
    assert_accessible(page, "nouvel utilisateur")
    page.get_by_label("Identifiant de connexion").fill("bruno")
    page.get_by_role("textbox", name=re.compile(r"^Prénom")).fill("Bruno")
    page.get_by_role("textbox", name=re.compile(r"^Nom\b")).fill("Lefèvre")
    page.get_by_label("Adresse e-mail").fill("bruno.lefevre@ville.test")
    page.get_by_label("Profil").select_option(label="Agent de service")
    page.get_by_label("Propreté urbaine").check()
    page.get_by_role("button", name="Créer le compte et envoyer le lien").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Bruno Lefèvre")
    assert_accessible(page, "compte créé")
    outbox_flush()
    [mail] = [m for m in smtp_server.messages if m.rcpt_tos == ["bruno.lefevre@ville.test"]]
    # The mail links to EUSP_SITE_URL; the test's server listens elsewhere.
    link = re.search(r"/compte/mot-de-passe/\S+/", mail.body).group(0)

    # Two origins that mean the same: merged, every request kept.
    page.get_by_role("link", name="Administration", exact=True).click()
    page.get_by_role("link", name="Listes de référence").click()
    page.get_by_role("link", name=re.compile("^Origines")).first.click()
    assert_accessible(page, "origines")
    row = page.locator("tr", has_text="Appel au standard")
    expect(row).to_contain_text("3 demandes")
    row.get_by_role("link", name=re.compile("Fusionner")).click()
    assert_accessible(page, "fusion")
    page.get_by_label(re.compile("Fusionner dans|Entrée qui remplace|Remplacer par|Cible")).select_option(
        label="Téléphone"
    )
    page.get_by_role("button", name="Fusionner").click()
    expect(page.locator(".messages")).to_contain_text("Appel au standard")
    expect(page.locator("tr", has_text="Téléphone")).to_contain_text("4 demandes")
    assert not Origin.objects.filter(name="Appel au standard").exists()
    assert set(ServiceRequest.objects.filter(origin=switchboard).values_list("pk", flat=True)) >= {
        sr.pk for sr in moved
    }

    # The city's name, on every page at once.
    page.get_by_role("link", name="Administration", exact=True).click()
    page.get_by_role("link", name="Paramètres", exact=True).click()
    assert_accessible(page, "paramètres")
    page.get_by_label("Nom de la collectivité").fill("Mairie de Bourg-Neuf")
    page.get_by_role("button", name="Enregistrer les paramètres").click()
    expect(page.get_by_text("Les paramètres sont enregistrés.")).to_be_visible()
    expect(page.locator("header")).to_contain_text("Mairie de Bourg-Neuf")

    # The journal tells who did what.
    page.get_by_role("link", name="Administration", exact=True).click()
    page.get_by_role("link", name="Journal de l'administration").click()
    assert_accessible(page, "journal")
    expect(page.locator("tbody")).to_contain_text("Bruno Lefèvre")
    expect(page.locator("tbody")).to_contain_text("Fusion")
    expect(page.locator("tbody")).to_contain_text("Ville de Valmont-sur-Loire → Mairie de Bourg-Neuf")

    # The new agent follows the link, chooses a password and logs in.
    page.get_by_role("button", name=re.compile("Se déconnecter|Déconnexion")).click()
    page.goto(link)
    assert_accessible(page, "choix du mot de passe")
    page.get_by_label("Nouveau mot de passe", exact=True).fill("un mot de passe assez long")
    page.get_by_label(re.compile("Confirmation")).fill("un mot de passe assez long")
    page.get_by_role("button", name=re.compile("Enregistrer|Choisir")).click()
    log_in(page, "bruno", "un mot de passe assez long")
    expect(page.locator("header")).to_contain_text("Bruno Lefèvre")
