import pytest

from tests.factories import AgentFactory, CentralFactory, ElectedFactory, ServiceFactory

# Shared fixtures: a real SMTP server on loopback (smtp_server, smtp_unreachable).
pytest_plugins = ["tests.smtp"]


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
