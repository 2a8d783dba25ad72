"""Two-factor authentication in Chromium: a central service member scans (here: reads) the
key, confirms with a code from it, and from then on the site asks for a code after the
password before showing anything. Each page passes axe-core."""

import re
import time
from base64 import b32decode

import pytest
from django_otp.oath import hotp
from playwright.sync_api import expect

from tests.factories import CentralFactory

pytestmark = pytest.mark.e2e


def code_from(secret: str, steps_ahead: int) -> str:
    """What the phone would show: the key's code of this 30-second step, or of a later one
    (a code is accepted once, so each use here takes the next step, within the tolerance)."""
    key = b32decode(secret.replace(" ", ""))
    return f"{hotp(key, int(time.time()) // 30 + steps_ahead):06d}"


def test_a_central_member_turns_on_two_factor_and_logs_in_with_a_code(page, log_in, assert_accessible):
    CentralFactory(username="claire", first_name="Claire", last_name="Dupuis")
    log_in(page, "claire")
    page.goto("/compte/")
    page.get_by_role("link", name="Double authentification").click()
    assert_accessible(page, "double authentification")
    page.get_by_role("button", name="Activer la double authentification").click()
    expect(page.locator("figure svg")).to_be_visible()  # the QR code
    assert_accessible(page, "activation")
    secret = page.locator("code").inner_text()

    page.get_by_label(re.compile("Code à 6 chiffres")).fill("000000" if code_from(secret, 0) != "000000" else "111111")
    page.get_by_role("button", name="Confirmer").click()
    expect(page.locator(".error")).to_be_visible()  # a wrong code changes nothing
    page.wait_for_timeout(1500)  # and the next try waits a second (django-otp's throttling)
    page.get_by_label(re.compile("Code à 6 chiffres")).fill(code_from(secret, 0))
    page.get_by_role("button", name="Confirmer").click()
    expect(page.locator(".messages")).to_contain_text("activée")

    page.get_by_role("button", name=re.compile("Se déconnecter|Déconnexion")).first.click()
    page.goto("/demandes/")
    log_in(page, "claire")
    # The password alone opens nothing: the code comes first, then the page asked for.
    expect(page.get_by_label(re.compile("Code à 6 chiffres"))).to_be_visible()
    assert_accessible(page, "vérification du code")
    page.goto("/statistiques/")
    expect(page.get_by_label(re.compile("Code à 6 chiffres"))).to_be_visible()
    page.get_by_label(re.compile("Code à 6 chiffres")).fill(code_from(secret, 1))
    page.get_by_role("button", name=re.compile("Valider|Vérifier|Continuer|Confirmer")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Statistiques")
