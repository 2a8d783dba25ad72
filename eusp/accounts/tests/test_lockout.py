"""Failed logins: a (username, IP) pair is locked after N failures, with a French message."""

import importlib
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.conf import settings as django_settings
from django.utils import timezone

from tests.factories import AgentFactory, CentralFactory, ElectedFactory

pytestmark = pytest.mark.django_db

PASSWORD = "motdepasse-de-test"  # the factories' password
LOCKED = (
    "Trop de tentatives de connexion échouées : ce compte est bloqué depuis cette adresse pendant "
    "15 minutes. Réessayez plus tard ou demandez au service centralisateur de le débloquer."
)


def log_in(client, username, password=PASSWORD, ip="10.0.0.1"):
    return client.post("/connexion/", {"username": username, "password": password}, REMOTE_ADDR=ip)


def fail(client, username, times, ip="10.0.0.1"):
    """Fail `times` times; the failure that reaches the limit already answers with the lockout."""
    limit = django_settings.AXES_FAILURE_LIMIT
    for attempt in range(1, times + 1):
        response = log_in(client, username, "mauvais-mot-de-passe", ip=ip)
        assert response.status_code == (429 if attempt >= limit else 200)
        if attempt < limit:
            assert "Identifiant ou mot de passe incorrect" in page_text(response) or "Saisissez" in page_text(response)


def page_text(response):
    return response.content.decode().replace("&#x27;", "'")


def test_a_success_before_the_limit_logs_in_and_resets_the_count(client, settings):
    elu = ElectedFactory()
    fail(client, elu.username, settings.AXES_FAILURE_LIMIT - 1)
    response = log_in(client, elu.username)
    assert response.status_code == 302 and response["Location"] == "/"
    assert not AccessAttempt.objects.filter(username=elu.username).exists()
    # Counting starts again from zero: N-1 more failures still leave the door open.
    client.logout()
    fail(client, elu.username, settings.AXES_FAILURE_LIMIT - 1)
    assert log_in(client, elu.username).status_code == 302


def test_after_the_limit_even_the_right_password_is_refused_with_a_clear_message(client, settings):
    settings.AXES_COOLOFF_TIME = timedelta(minutes=15)  # the default, whatever the environment
    elu = ElectedFactory()
    fail(client, elu.username, settings.AXES_FAILURE_LIMIT)
    response = log_in(client, elu.username)
    assert response.status_code == 429
    page = page_text(response)
    assert LOCKED in page
    assert 'role="alert"' in page and 'name="password"' in page  # the login page, with its form
    assert f'value="{elu.username}"' in page
    assert "_auth_user_id" not in client.session


def test_the_same_username_from_another_address_is_not_locked(client, settings):
    elu = ElectedFactory()
    fail(client, elu.username, settings.AXES_FAILURE_LIMIT, ip="10.0.0.66")
    assert log_in(client, elu.username, ip="10.0.0.66").status_code == 429
    assert log_in(client, elu.username, ip="10.0.0.1").status_code == 302


def test_another_user_from_the_same_address_is_not_locked(client, settings):
    elu, agent = ElectedFactory(), AgentFactory()
    fail(client, elu.username, settings.AXES_FAILURE_LIMIT)
    assert log_in(client, agent.username).status_code == 302


def test_login_works_again_after_the_cool_off(client, settings):
    elu = ElectedFactory()
    fail(client, elu.username, settings.AXES_FAILURE_LIMIT)
    assert log_in(client, elu.username).status_code == 429
    # A refused attempt restarts the cool-off; move every failure just past it.
    past = timezone.now() - settings.AXES_COOLOFF_TIME - timedelta(seconds=1)
    AccessAttempt.objects.filter(username=elu.username).update(attempt_time=past)
    assert log_in(client, elu.username).status_code == 302


def test_the_limit_and_the_cool_off_come_from_the_settings(client, settings):
    settings.AXES_FAILURE_LIMIT = 2
    settings.AXES_COOLOFF_TIME = timedelta(minutes=30)
    elu = ElectedFactory()
    fail(client, elu.username, 2)
    response = log_in(client, elu.username)
    assert response.status_code == 429
    assert "bloqué depuis cette adresse pendant 30 minutes" in page_text(response)


def test_the_settings_read_the_environment(monkeypatch):
    import config.settings.base as base

    monkeypatch.setenv("EUSP_LOGIN_FAILURE_LIMIT", "3")
    monkeypatch.setenv("EUSP_LOGIN_COOLOFF_MINUTES", "45")
    try:
        reloaded = importlib.reload(base)
        assert reloaded.AXES_FAILURE_LIMIT == 3
        assert reloaded.AXES_COOLOFF_TIME.total_seconds() == 45 * 60
        assert reloaded.AXES_LOCKOUT_PARAMETERS == [["username", "ip_address"]]
    finally:
        monkeypatch.undo()
        importlib.reload(base)
    assert base.AXES_FAILURE_LIMIT == django_settings.AXES_FAILURE_LIMIT  # back to what the suite runs with


def test_behind_the_proxy_the_client_address_counts_not_the_proxy_s(client, settings):
    """Two colleagues behind the same proxy: one's failures never lock the other's address."""
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    elu = ElectedFactory()
    proxy = {"REMOTE_ADDR": "192.168.0.2"}
    for _ in range(settings.AXES_FAILURE_LIMIT):
        # The attacker forges a left-most entry; the proxy appends the real address.
        client.post(
            "/connexion/",
            {"username": elu.username, "password": "mauvais"},
            HTTP_X_FORWARDED_FOR="10.9.9.9, 203.0.113.7",
            **proxy,
        )
    assert AccessAttempt.objects.get(username=elu.username).ip_address == "203.0.113.7"
    response = client.post(
        "/connexion/", {"username": elu.username, "password": PASSWORD}, HTTP_X_FORWARDED_FOR="198.51.100.4", **proxy
    )
    assert response.status_code == 302


def test_without_a_declared_proxy_the_forwarded_header_is_ignored(client, settings):
    assert settings.SECURE_PROXY_SSL_HEADER is None
    elu = ElectedFactory()
    client.post(
        "/connexion/",
        {"username": elu.username, "password": "mauvais"},
        HTTP_X_FORWARDED_FOR="203.0.113.7",
        REMOTE_ADDR="10.0.0.1",
    )
    assert AccessAttempt.objects.get(username=elu.username).ip_address == "10.0.0.1"


def test_the_central_service_sees_and_lifts_lockouts_in_the_admin(client, settings):
    elu = ElectedFactory()
    fail(client, elu.username, settings.AXES_FAILURE_LIMIT)
    attempt = AccessAttempt.objects.get(username=elu.username)
    client.force_login(CentralFactory(is_staff=True, is_superuser=True))  # the admin's own gate
    listing = client.get("/django-admin/axes/accessattempt/")
    assert listing.status_code == 200 and elu.username in listing.content.decode()
    client.post(f"/django-admin/axes/accessattempt/{attempt.pk}/delete/", {"post": "yes"})
    assert not AccessAttempt.objects.exists()
    client.logout()
    assert log_in(client, elu.username).status_code == 302
