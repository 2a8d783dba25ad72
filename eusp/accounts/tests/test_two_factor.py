"""Two-factor authentication (TOTP): enrolment, the code step of the login, the city's
obligation for the central service — through real HTTP requests and the whole middleware
stack, with codes computed from the device's key as an authenticator app would."""

import re
import threading
import time
from base64 import b32encode
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone
from django_otp.oath import hotp
from django_otp.plugins.otp_totp.models import TOTPDevice

from eusp.accounts.models import AlertMode
from eusp.accounts.two_factor import (
    TwoFactorRefused,
    has_two_factor,
    two_factor_confirm,
    two_factor_disable,
    two_factor_enrol_start,
    two_factor_provisioning_uri,
    two_factor_required,
    two_factor_verify,
)
from eusp.core.city_settings import city_settings, city_settings_forget
from tests.factories import AgentFactory, CentralFactory, ElectedFactory, ServiceRequestFactory

pytestmark = pytest.mark.django_db

PASSWORD = "motdepasse-de-test"  # the factories' password
MANAGE = "/compte/double-authentification/"
START = "/compte/double-authentification/activation/"
CONFIRM = "/compte/double-authentification/confirmation/"
CANCEL = "/compte/double-authentification/annulation/"
DISABLE = "/compte/double-authentification/desactivation/"
VERIFY = "/compte/double-authentification/verification/"
WRONG = "Ce code n'est pas valable : il est erroné, expiré ou a déjà servi."
SIX_DIGITS = "Saisissez les 6 chiffres affichés par votre application."
THROTTLED = "Trop de codes erronés à la suite : attendez"


def code(device: TOTPDevice) -> str:
    """The code the user's app shows, as if they waited for the next one when the current
    code was already accepted (a device takes each 30-second code once). A removed device's
    key still gives the codes its app shows."""
    if TOTPDevice.objects.filter(pk=device.pk).exists():
        device.refresh_from_db()
    now_step = (int(time.time()) - device.t0) // device.step + device.drift
    return f"{hotp(device.bin_key, max(now_step, device.last_t + 1), digits=device.digits):06d}"


def wrong_code(device: TOTPDevice) -> str:
    """A code the device refuses: none of the codes around now."""
    device.refresh_from_db()
    now_step = (int(time.time()) - device.t0) // device.step + device.drift
    valid = {f"{hotp(device.bin_key, step):06d}" for step in range(now_step - 3, now_step + 4)}
    return next(candidate for candidate in ("000000", "111111", "222222") if candidate not in valid)


def time_passes(device: TOTPDevice) -> None:
    """The user waits out the delay that wrong codes impose."""
    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_timestamp=timezone.now() - timedelta(days=1))


def page_text(response) -> str:
    return response.content.decode().replace("&#x27;", "'")


def log_in(client, user, **extra):
    return client.post("/connexion/", {"username": user.username, "password": PASSWORD, **extra})


def log_out(client):
    return client.post("/deconnexion/")


def enrol(client, user) -> TOTPDevice:
    """Through the pages, in a session that has passed its code step (if any)."""
    assert client.post(START).status_code == 302
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    response = client.post(CONFIRM, {"code": code(device)})
    assert response.status_code == 302, page_text(response)
    device.refresh_from_db()
    assert device.confirmed
    return device


def enrolled(client, user) -> TOTPDevice:
    """A user who set up the app earlier, now logged out."""
    log_in(client, user)
    device = enrol(client, user)
    log_out(client)
    return device


def require_for_central(required: bool = True) -> None:
    row = city_settings(fresh=True)
    row.totp_required_for_central = required
    row.save()
    city_settings_forget()


def redirect_target(response) -> str:
    assert response.status_code == 302, response.status_code
    return response["Location"]


# ---- Enrolment ---------------------------------------------------------------------------


def test_a_user_enrols_from_their_account_and_then_logging_in_asks_for_the_code(client):
    elu = ElectedFactory()
    log_in(client, elu)
    account = page_text(client.get("/compte/"))
    assert f'href="{MANAGE}"' in account and "Double authentification" in account
    assert "La double authentification n'est pas activée." in page_text(client.get(MANAGE))

    assert redirect_target(client.post(START)) == MANAGE
    device = TOTPDevice.objects.get(user=elu)
    assert not device.confirmed and not has_two_factor(elu)  # not yet: only a confirmed device counts
    page = page_text(client.get(MANAGE))
    secret = b32encode(device.bin_key).decode()
    grouped = " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))
    assert f"<code>{grouped}</code>" in page  # for typing into the app by hand
    assert re.search(r'<svg [^>]*role="img" aria-labelledby="two-factor-qr-caption"', page)
    assert 'id="two-factor-qr-caption"' in page and "style=" not in page  # the CSP forbids inline styles
    assert 'autocomplete="one-time-code"' in page and 'inputmode="numeric"' in page

    response = client.post(CONFIRM, {"code": code(device)}, follow=True)
    assert "La double authentification est activée : e-USP vous demandera un code" in page_text(response)
    device.refresh_from_db()
    assert device.confirmed and has_two_factor(elu)
    assert client.get("/").status_code == 200  # this session proved it holds the device

    log_out(client)
    assert redirect_target(log_in(client, elu)) == "/"
    assert redirect_target(client.get("/")) == f"{VERIFY}?next=%2F"
    page = page_text(client.get(f"{VERIFY}?next=%2F"))
    assert "Code de connexion" in page and 'name="code"' in page
    assert "Navigation principale" not in page and "Se déconnecter" in page  # no menu, but a way out

    response = client.post(VERIFY, {"code": wrong_code(device), "next": "/"})
    assert response.status_code == 400 and WRONG in page_text(response)
    assert 'aria-invalid="true"' in page_text(response) and 'id="id_code_error"' in page_text(response)
    assert redirect_target(client.get("/")).startswith(VERIFY)

    time_passes(device)
    assert redirect_target(client.post(VERIFY, {"code": code(device), "next": "/"})) == "/"
    assert client.get("/").status_code == 200
    assert client.get("/demandes/").status_code == 200


def test_enrolling_shows_the_key_until_a_right_code_confirms_it(client):
    agent = AgentFactory()
    client.force_login(agent)
    client.post(START)
    device = TOTPDevice.objects.get(user=agent)
    response = client.post(CONFIRM, {"code": wrong_code(device)})
    assert response.status_code == 400 and WRONG in page_text(response)
    device.refresh_from_db()
    assert not device.confirmed
    assert "<svg" in page_text(response)  # the same key again, to try another code
    time_passes(device)
    client.post(CONFIRM, {"code": code(device)})
    device.refresh_from_db()
    assert device.confirmed


def test_an_unconfirmed_enrolment_changes_nothing_at_login(client):
    elu = ElectedFactory()
    log_in(client, elu)
    client.post(START)
    log_out(client)
    assert redirect_target(log_in(client, elu)) == "/"
    assert client.get("/").status_code == 200


def test_an_enrolment_can_be_cancelled_and_restarting_gives_a_new_key(client):
    elu = ElectedFactory()
    client.force_login(elu)
    client.post(START)
    first = TOTPDevice.objects.get(user=elu)
    client.post(START)
    second = TOTPDevice.objects.get(user=elu)
    assert second.key != first.key
    response = client.post(CANCEL, follow=True)
    assert "L'activation est annulée" in page_text(response)
    assert not TOTPDevice.objects.filter(user=elu).exists()


def test_re_enrolling_replaces_the_old_device_once_the_new_one_is_confirmed(client):
    elu = ElectedFactory()
    old = enrolled(client, elu)
    log_in(client, elu)
    client.post(VERIFY, {"code": code(old)})
    client.post(START)
    page = page_text(client.get(MANAGE))
    assert "Enregistrer un nouvel appareil" in page and "l'ancien reste valable" in page
    assert TOTPDevice.objects.get(pk=old.pk).confirmed  # still the one that counts
    new = TOTPDevice.objects.get(user=elu, confirmed=False)

    response = client.post(CONFIRM, {"code": code(new)}, follow=True)
    assert "Le nouvel appareil est enregistré ; l'ancien ne donne plus accès." in page_text(response)
    assert list(TOTPDevice.objects.filter(user=elu)) == [new]
    assert client.get("/").status_code == 200  # verified with the new device

    log_out(client)
    log_in(client, elu)
    assert client.post(VERIFY, {"code": code(old)}).status_code == 400
    time_passes(new)
    assert redirect_target(client.post(VERIFY, {"code": code(new)})) == "/"


def test_a_session_left_open_elsewhere_must_give_a_code_of_the_new_device(client):
    from django.test import Client

    elu = ElectedFactory()
    old = enrolled(client, elu)
    log_in(client, elu)
    client.post(VERIFY, {"code": code(old)})
    other = Client()
    log_in(other, elu)
    other.post(VERIFY, {"code": code(old)})
    assert other.get("/").status_code == 200
    client.post(START)
    client.post(CONFIRM, {"code": code(TOTPDevice.objects.get(user=elu, confirmed=False))})
    assert redirect_target(other.get("/")).startswith(VERIFY)


# ---- The code step of the login ----------------------------------------------------------


def test_the_page_first_asked_for_is_reached_after_the_code(client):
    elu = ElectedFactory()
    device = enrolled(client, elu)
    assert redirect_target(log_in(client, elu, next="/demandes/?q=trottoir")) == "/demandes/?q=trottoir"
    target = redirect_target(client.get("/demandes/?q=trottoir"))
    assert target == f"{VERIFY}?next=%2Fdemandes%2F%3Fq%3Dtrottoir"
    assert redirect_target(client.post(target, {"code": code(device)})) == "/demandes/?q=trottoir"


def test_a_next_address_elsewhere_is_ignored(client):
    elu = ElectedFactory()
    device = enrolled(client, elu)
    log_in(client, elu)
    response = client.post(VERIFY, {"code": code(device), "next": "https://ailleurs.example/"})
    assert redirect_target(response) == "/"


def test_a_code_is_accepted_once(client):
    elu = ElectedFactory()
    device = enrolled(client, elu)
    log_in(client, elu)
    used = code(device)
    client.post(VERIFY, {"code": used})
    assert client.get("/").status_code == 200
    log_out(client)
    log_in(client, elu)
    response = client.post(VERIFY, {"code": used})
    assert response.status_code == 400 and WRONG in page_text(response)
    assert redirect_target(client.get("/")).startswith(VERIFY)


@pytest.mark.parametrize("typed", ["", "abcdef", "12345", "1234567", "12345a", "١٢٣٤٥٦", "123456" * 5, "-12345"])
def test_anything_but_six_digits_is_refused_without_counting_a_failure(client, typed):
    elu = ElectedFactory()
    device = enrolled(client, elu)
    log_in(client, elu)
    response = client.post(VERIFY, {"code": typed})
    assert response.status_code == 400 and SIX_DIGITS in page_text(response)
    device.refresh_from_db()
    assert device.throttling_failure_count == 0
    assert redirect_target(client.get("/")).startswith(VERIFY)


def test_spaces_typed_inside_the_code_are_forgiven(client):
    elu = ElectedFactory()
    device = enrolled(client, elu)
    log_in(client, elu)
    digits = code(device)
    assert redirect_target(client.post(VERIFY, {"code": f" {digits[:3]} {digits[3:]} "})) == "/"


def test_wrong_codes_in_a_row_impose_a_delay_even_on_the_right_code(client):
    elu = ElectedFactory()
    device = enrolled(client, elu)
    log_in(client, elu)
    client.post(VERIFY, {"code": wrong_code(device)})
    response = client.post(VERIFY, {"code": code(device)})
    assert response.status_code == 429
    assert re.search(THROTTLED + r" \d+ secondes? avant de réessayer\.", page_text(response))
    assert redirect_target(client.get("/")).startswith(VERIFY)
    time_passes(device)
    assert redirect_target(client.post(VERIFY, {"code": code(device)})) == "/"
    device.refresh_from_db()
    assert device.throttling_failure_count == 0


def test_the_code_of_one_user_s_device_does_not_verify_another_user(client):
    from django.test import Client

    alice, bob = ElectedFactory(), ElectedFactory()
    alice_device = enrolled(Client(), alice)
    bob_device = enrolled(client, bob)
    alice_code = code(alice_device)
    assert alice_code != code(bob_device)
    log_in(client, bob)
    assert client.post(VERIFY, {"code": alice_code}).status_code == 400
    assert redirect_target(client.get("/")).startswith(VERIFY)
    with pytest.raises(TwoFactorRefused):
        two_factor_verify(user=bob, code=code(alice_device))


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("get", "/"),
        ("get", "/demandes/"),
        ("get", "/demandes/nouvelle/"),
        ("get", "/archives/"),
        ("get", "/statistiques/"),
        ("get", "/administration/"),
        ("get", "/django-admin/"),
        ("get", "/compte/"),
        ("get", MANAGE),
        ("post", START),
        ("post", DISABLE),
        ("post", "/compte/"),
    ],
)
def test_before_the_code_no_page_is_served(client, method, url):
    central = CentralFactory(is_staff=True, alert_mode=AlertMode.IMMEDIATE)
    device = enrolled(client, central)
    log_in(client, central)
    response = getattr(client, method)(url, {"alert_mode": AlertMode.DIGEST} if url == "/compte/" else {})
    assert redirect_target(response).startswith(VERIFY)
    central.refresh_from_db()
    assert central.alert_mode == AlertMode.IMMEDIATE
    assert list(TOTPDevice.objects.filter(user=central)) == [device]  # no new key to scan, none removed


def test_before_the_code_a_request_s_data_is_not_served(client):
    central = CentralFactory()
    enrolled(client, central)
    sr = ServiceRequestFactory(requester_last_name="Vasseur-Discret", subject="Lampadaire éteint rue Haute")
    log_in(client, central)
    for url in (sr.get_absolute_url(), "/demandes/", f"/demandes/?q={sr.reference}"):
        response = client.get(url, follow=True)
        assert response.redirect_chain[-1][0].startswith(VERIFY)
        assert response.redirect_chain[0][0].startswith(VERIFY)
        page = page_text(response)
        assert "Vasseur-Discret" not in page and "Lampadaire éteint" not in page


def test_an_htmx_request_before_the_code_gets_the_whole_page_sent_to_the_code(client):
    elu = ElectedFactory()
    enrolled(client, elu)
    log_in(client, elu)
    response = client.get(
        "/demandes/",
        {"q": "lampadaire"},
        headers={"HX-Request": "true", "HX-Current-URL": "http://testserver/demandes/?etat=ouvert"},
    )
    assert response.status_code == 200 and response.content == b""
    assert response["HX-Redirect"] == f"{VERIFY}?next=%2Fdemandes%2F%3Fetat%3Douvert"
    assert "Location" not in response


def test_logging_out_is_always_possible(client):
    elu = ElectedFactory()
    enrolled(client, elu)
    log_in(client, elu)
    assert redirect_target(log_out(client)) == "/connexion/"
    assert "_auth_user_id" not in client.session
    assert redirect_target(client.get(VERIFY)).startswith("/connexion/")


def test_the_language_choice_and_the_password_pages_stay_open_before_the_code(client):
    elu = ElectedFactory()
    enrolled(client, elu)
    log_in(client, elu)
    response = client.post("/i18n/setlang/", {"language": "en", "next": VERIFY})
    assert redirect_target(response) == VERIFY and response.cookies["django_language"].value == "en"
    # The password pages (/compte/mot-de-passe…) answer for themselves, never with the code page.
    for url in ("/compte/mot-de-passe-oublie/", "/compte/mot-de-passe/MQ/lien-perime/"):
        response = client.get(url)
        assert not response.get("Location", "").startswith(VERIFY)


def test_the_code_page_cycles_the_session_key(client):
    elu = ElectedFactory()
    device = enrolled(client, elu)
    log_in(client, elu)
    before = client.session.session_key
    client.post(VERIFY, {"code": code(device)})
    assert client.session.session_key != before


def test_the_code_page_sends_away_who_has_nothing_to_verify(client):
    assert redirect_target(client.get(VERIFY)).startswith("/connexion/")
    client.force_login(ElectedFactory())
    assert redirect_target(client.get(f"{VERIFY}?next=/demandes/")) == "/demandes/"


# ---- Disabling ---------------------------------------------------------------------------


def test_disabling_asks_a_current_code_then_the_password_is_enough_again(client):
    elu = ElectedFactory()
    device = enrolled(client, elu)
    log_in(client, elu)
    client.post(VERIFY, {"code": code(device)})
    page = page_text(client.get(MANAGE))
    assert "Désactiver la double authentification" in page and 'id="id_disable-code"' in page

    response = client.post(DISABLE, {"disable-code": wrong_code(device)})
    assert response.status_code == 400 and WRONG in page_text(response)
    assert has_two_factor(elu)
    response = client.post(DISABLE, {"disable-code": "pas un code"})
    assert response.status_code == 400 and SIX_DIGITS in page_text(response)

    time_passes(device)
    response = client.post(DISABLE, {"disable-code": code(device)}, follow=True)
    assert "La double authentification est désactivée" in page_text(response)
    assert not TOTPDevice.objects.filter(user=elu).exists()
    log_out(client)
    log_in(client, elu)
    assert client.get("/").status_code == 200


# ---- Mandatory for the central service ---------------------------------------------------


def test_when_the_city_requires_it_the_central_service_must_enrol_before_anything_else(client):
    require_for_central()
    central = CentralFactory()
    assert two_factor_required(central)
    log_in(client, central)
    target = redirect_target(client.get("/demandes/"))
    assert target == f"{MANAGE}?next=%2Fdemandes%2F"
    page = page_text(client.get(target))
    assert "La double authentification est obligatoire pour le service centralisateur." in page
    assert "Navigation principale" not in page and "Se déconnecter" in page
    assert redirect_target(client.get("/administration/")).startswith(MANAGE)
    htmx = client.get("/demandes/", headers={"HX-Request": "true", "HX-Current-URL": "http://testserver/demandes/"})
    assert htmx["HX-Redirect"] == f"{MANAGE}?next=%2Fdemandes%2F"

    assert redirect_target(client.post(START, {"next": "/demandes/"})) == f"{MANAGE}?next=%2Fdemandes%2F"
    device = TOTPDevice.objects.get(user=central)
    assert "<svg" in page_text(client.get(target))
    assert redirect_target(client.post(CONFIRM, {"code": code(device), "next": "/demandes/"})) == "/demandes/"
    assert client.get("/demandes/").status_code == 200

    log_out(client)
    log_in(client, central)
    assert redirect_target(client.get("/")).startswith(VERIFY)


def test_elus_and_agents_are_never_forced(client, elected, agent):
    require_for_central()
    for user in (elected, agent):
        assert not two_factor_required(user)
        log_in(client, user)
        assert client.get("/").status_code == 200
        log_out(client)


def test_without_the_city_s_requirement_the_central_service_is_free(client):
    require_for_central(False)
    central = CentralFactory()
    log_in(client, central)
    assert client.get("/").status_code == 200
    assert "n'est pas activée" in page_text(client.get(MANAGE))


def test_a_required_second_factor_cannot_be_disabled(client):
    central = CentralFactory()
    device = enrolled(client, central)
    require_for_central()
    log_in(client, central)
    client.post(VERIFY, {"code": code(device)})
    page = page_text(client.get(MANAGE))
    assert "ne peut pas être désactivée" in page and 'name="disable-code"' not in page
    response = client.post(DISABLE, {"disable-code": code(device)})
    assert response.status_code == 400
    assert "elle ne peut pas être désactivée" in page_text(response)
    assert has_two_factor(central)


def test_a_forced_central_user_can_log_out(client):
    require_for_central()
    central = CentralFactory()
    log_in(client, central)
    assert redirect_target(log_out(client)) == "/connexion/"
    assert "_auth_user_id" not in client.session


# ---- Services ----------------------------------------------------------------------------


def test_the_services_keep_one_confirmed_device_and_refuse_bad_codes():
    elu = ElectedFactory()
    with pytest.raises(TwoFactorRefused, match="Aucune activation"):
        two_factor_confirm(user=elu, code="123456")
    first = two_factor_enrol_start(user=elu)
    two_factor_confirm(user=elu, code=code(first))
    second = two_factor_enrol_start(user=elu)
    with pytest.raises(TwoFactorRefused, match="n'est pas valable"):
        two_factor_confirm(user=elu, code=wrong_code(second))
    assert TOTPDevice.objects.filter(user=elu).count() == 2  # the failure is counted, nothing replaced
    assert TOTPDevice.objects.get(pk=second.pk).throttling_failure_count == 1
    time_passes(second)
    two_factor_confirm(user=elu, code=code(second))
    assert list(TOTPDevice.objects.filter(user=elu)) == [second]
    with pytest.raises(TwoFactorRefused):
        two_factor_disable(user=elu, code="abc")
    two_factor_disable(user=elu, code=code(second))
    assert not has_two_factor(elu)
    with pytest.raises(TwoFactorRefused, match="n'est pas activée"):
        two_factor_verify(user=elu, code="123456")


def test_the_app_lists_the_account_under_the_city_s_name():
    elu = ElectedFactory(username="c.martin")
    device = two_factor_enrol_start(user=elu)
    uri = two_factor_provisioning_uri(device)
    secret = b32encode(device.bin_key).decode()
    city = city_settings().city_name.replace(" ", "%20")
    assert uri.startswith(f"otpauth://totp/e-USP%20{city}%3Ac.martin?secret={secret}&issuer=e-USP%20{city}")
    assert "digits=6" in uri and "period=30" in uri


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_one_code_sent_several_times_at_the_same_moment_is_accepted_once():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (set DATABASE_URL): row locks between connections")
    elu = ElectedFactory()
    device = two_factor_enrol_start(user=elu)
    two_factor_confirm(user=elu, code=code(device))
    same = code(device)
    barrier = threading.Barrier(4)
    outcomes = []

    def submit() -> None:
        try:
            barrier.wait(timeout=5)
            try:
                two_factor_verify(user=elu, code=same)
            except TwoFactorRefused:
                outcomes.append("refused")
            else:
                outcomes.append("accepted")
        finally:
            connection.close()

    threads = [threading.Thread(target=submit) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)
    assert sorted(outcomes) == ["accepted", "refused", "refused", "refused"]
