import pytest

from tests.factories import AgentFactory, CentralFactory, ElectedFactory, ServiceFactory

# Shared fixtures: a real SMTP server on loopback (smtp_server, smtp_unreachable).
pytest_plugins = ["tests.smtp"]


@pytest.fixture(autouse=True)
def _fresh_city_settings():
    """Each test reads the city's settings from its own database, not a cached row."""
    from eusp.core.city_settings import city_settings_forget

    city_settings_forget()
    yield
    city_settings_forget()


@pytest.fixture
def central(db):
    return CentralFactory(username="central-test")


@pytest.fixture
def elected(db):
    return ElectedFactory(username="elu-test")


@pytest.fixture
def voirie(db):
    return ServiceFactory(name="Voirie")


@pytest.fixture
def agent(db, voirie):
    return AgentFactory(username="agent-test", services=[voirie])


@pytest.fixture
def no_delivery_task(monkeypatch):
    """Mail stays in the outbox after commit, for tests that drive delivery themselves."""
    queued = []

    class Stub:
        def enqueue(self, **kwargs):
            queued.append(kwargs)

    monkeypatch.setattr("eusp.notifications.outbox.outbox_deliver_task", Stub())
    return queued
