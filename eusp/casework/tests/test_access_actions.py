"""Every action URL of the follow-up sheet, as a matrix: profile × action × request.

A request the user may not see answers 404 (like a missing one) and a visible one
they may not act on answers 403; in both cases nothing is written.
"""

import pytest

from eusp.casework.models import RequestEvent, ServiceRequest
from tests.factories import AgentFactory, ElectedFactory, ServiceFactory, ServiceRequestFactory

pytestmark = pytest.mark.django_db

ACTIONS = ["etat", "cloture", "instruction", "execution", "commentaire", "relance", "doublon", "archivage"]
CENTRAL_ONLY = {"etat", "cloture", "relance", "doublon", "archivage"}
ALLOWED = {
    "central": set(ACTIONS),
    "elected": {"commentaire"},
    "agent_instructing": {"instruction", "commentaire"},
    "agent_executing": {"execution", "commentaire"},
}


@pytest.fixture
def world(central):
    roads, parks = ServiceFactory(name="Voirie"), ServiceFactory(name="Espaces verts")
    elected = ElectedFactory(username="elu-m")
    sr = ServiceRequestFactory(
        created_by=central, referent_official=elected, instructing_service=roads, executing_service=parks
    )
    users = {
        "central": central,
        "elected": elected,
        "agent_instructing": AgentFactory(username="a-instr", services=[roads]),
        "agent_executing": AgentFactory(username="a-exec", services=[parks]),
        "outsider_agent": AgentFactory(username="a-out", services=[ServiceFactory(name="Sports")]),
        "outsider_elected": ElectedFactory(username="elu-out"),
    }
    return sr, users


@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("profile", [*ALLOWED, "outsider_agent", "outsider_elected"])
def test_action_urls_answer_by_the_one_policy(client, world, profile, action):
    sr, users = world
    client.force_login(users[profile])
    events = RequestEvent.objects.count()
    version = ServiceRequest.objects.get(pk=sr.pk).version
    response = client.post(f"/demandes/{sr.reference}/{action}/", {})
    if profile.startswith("outsider"):
        assert response.status_code == 404
    elif action in ALLOWED[profile]:
        # Allowed: the empty form is refused with its errors (400), never a 403/500.
        assert response.status_code == 400
    else:
        assert response.status_code == 403
    assert RequestEvent.objects.count() == events
    assert ServiceRequest.objects.get(pk=sr.pk).version == version


@pytest.mark.parametrize("action", ACTIONS)
def test_anonymous_is_sent_to_login(client, world, action):
    sr, _users = world
    response = client.post(f"/demandes/{sr.reference}/{action}/", {})
    assert response.status_code == 302 and response["Location"].startswith("/connexion/")


@pytest.mark.parametrize("profile", ["elected", "agent_instructing", "agent_executing"])
def test_archived_request_is_read_only_for_everyone_but_central(client, world, profile):
    sr, users = world
    ServiceRequest.objects.filter(pk=sr.pk).update(is_archived=True)
    client.force_login(users[profile])
    assert client.get(sr.get_absolute_url()).status_code == 200
    for action in ACTIONS:
        assert client.post(f"/demandes/{sr.reference}/{action}/", {}).status_code == 403
