"""The access rule (brief, « Who uses it »), as a matrix over profiles and actions.

One request is created by an élu, with another élu as référent, instructed by one
service and executed by another. Every profile is asked the two questions of
``eusp.casework.permissions``: is the request in ``visible_requests(user)``, and
what does ``can(user, action, sr)`` answer for every ``Action``. The queryset and
the per-row answer (``is_visible``) must always agree.
"""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import Http404
from django.utils import timezone

from eusp.casework.models import ServiceRequest
from eusp.casework.permissions import (
    Action,
    can,
    can_create_request,
    can_see_all_requests,
    is_visible,
    request_get_visible,
    visible_requests,
)
from tests.factories import AgentFactory, CentralFactory, ElectedFactory, ServiceFactory, ServiceRequestFactory

pytestmark = pytest.mark.django_db

ALL = frozenset(Action)
NOTHING = frozenset()
# What the brief gives each profile on a live request it may see.
AGENT_BASE = frozenset({Action.VIEW, Action.COMMENT, Action.ATTACH, Action.VIEW_INTERNAL})
ELECTED = frozenset({Action.VIEW, Action.COMMENT, Action.ATTACH})
AGENT_READ = frozenset({Action.VIEW, Action.VIEW_INTERNAL})

# profile -> (sees the request, actions on the live request, actions on the archived request)
# On an archived request a non-central user only reads: an agent keeps the internal notes they
# could read before, an élu never had them.
MATRIX = {
    "central": (True, ALL, ALL),
    "elected_creator": (True, ELECTED, {Action.VIEW}),
    "elected_referent": (True, ELECTED, {Action.VIEW}),
    "elected_other": (False, NOTHING, NOTHING),
    "agent_instructing": (True, AGENT_BASE | {Action.INSTRUCT}, AGENT_READ),
    "agent_executing": (True, AGENT_BASE | {Action.EXECUTE}, AGENT_READ),
    "agent_both_services": (True, AGENT_BASE | {Action.INSTRUCT, Action.EXECUTE}, AGENT_READ),
    "agent_unrelated": (False, NOTHING, NOTHING),
    "agent_no_service": (False, NOTHING, NOTHING),
    "inactive_central": (False, NOTHING, NOTHING),
    "inactive_elected_creator": (False, NOTHING, NOTHING),
    "inactive_agent_instructing": (False, NOTHING, NOTHING),
    "anonymous": (False, NOTHING, NOTHING),
}


@pytest.fixture
def world(db):
    """The users of the matrix and one request linking some of them."""
    instructing = ServiceFactory(name="Voirie")
    executing = ServiceFactory(name="Espaces verts")
    unrelated = ServiceFactory(name="Propreté urbaine")
    creator = ElectedFactory(username="elu-createur")
    referent = ElectedFactory(username="elu-referent")
    users = {
        "central": CentralFactory(username="central"),
        "elected_creator": creator,
        "elected_referent": referent,
        "elected_other": ElectedFactory(username="elu-autre"),
        "agent_instructing": AgentFactory(username="agent-instr", services=[instructing]),
        "agent_executing": AgentFactory(username="agent-exec", services=[executing]),
        "agent_both_services": AgentFactory(username="agent-deux", services=[instructing, executing]),
        "agent_unrelated": AgentFactory(username="agent-autre", services=[unrelated]),
        "agent_no_service": AgentFactory(username="agent-sans-service"),
        "inactive_central": CentralFactory(username="central-parti", is_active=False),
        "inactive_elected_creator": None,  # the creator, deactivated after creating (below)
        "inactive_agent_instructing": AgentFactory(
            username="agent-instr-parti", services=[instructing], is_active=False
        ),
        "anonymous": AnonymousUser(),
    }
    sr = ServiceRequestFactory(
        created_by=creator,
        referent_official=referent,
        instructing_service=instructing,
        executing_service=executing,
    )
    former = ElectedFactory(username="elu-parti")
    former_sr = ServiceRequestFactory(created_by=former)
    former.is_active = False
    former.save(update_fields=["is_active"])
    users["inactive_elected_creator"] = former
    return {"users": users, "sr": sr, "former_sr": former_sr}


def _subject(world, profile):
    """The request the profile is asked about (the deactivated élu is asked about their own)."""
    return world["former_sr"] if profile == "inactive_elected_creator" else world["sr"]


def _archive(sr: ServiceRequest) -> ServiceRequest:
    ServiceRequest.objects.filter(pk=sr.pk).update(is_archived=True, archived_at=timezone.now())
    sr.refresh_from_db()
    return sr


@pytest.mark.parametrize("profile", MATRIX)
def test_visible_requests_and_is_visible_agree_with_the_rule(world, profile):
    user, sr = world["users"][profile], _subject(world, profile)
    sees = MATRIX[profile][0]
    assert visible_requests(user).filter(pk=sr.pk).exists() is sees
    assert is_visible(user, sr) is sees


@pytest.mark.parametrize("profile", MATRIX)
def test_request_get_visible_is_a_404_when_not_visible(world, profile):
    user, sr = world["users"][profile], _subject(world, profile)
    if MATRIX[profile][0]:
        assert request_get_visible(user, sr.reference) == sr
    else:
        with pytest.raises(Http404):
            request_get_visible(user, sr.reference)
    # A reference that does not exist answers exactly the same.
    with pytest.raises(Http404):
        request_get_visible(user, f"{sr.year}-99999")


def _allowed(user, sr) -> set[Action]:
    return {action for action in Action if can(user, action, sr)}


@pytest.mark.parametrize("profile", MATRIX)
def test_can_on_a_live_request(world, profile):
    """``can`` asked for every Action: the set it allows is exactly the profile's."""
    user, sr = world["users"][profile], _subject(world, profile)
    assert _allowed(user, sr) == set(MATRIX[profile][1])


@pytest.mark.parametrize("profile", MATRIX)
def test_can_on_an_archived_request(world, profile):
    """Nobody but the central service acts on an archived request; those who saw it still may."""
    user, sr = world["users"][profile], _archive(_subject(world, profile))
    assert _allowed(user, sr) == set(MATRIX[profile][2])
    # Archiving does not change who sees the request (archives are searchable).
    assert visible_requests(user).filter(pk=sr.pk).exists() is MATRIX[profile][0]


def test_the_matrix_covers_every_action():
    """A new Action must be placed in the matrix above: the test lists them all."""
    assert {a.value for a in Action} == {
        "view",
        "edit",
        "assign",
        "change_state",
        "instruct",
        "execute",
        "comment",
        "answer",
        "remind",
        "archive",
        "attach",
        "view_internal",
    }


@pytest.mark.parametrize(
    ("profile", "creates", "sees_all"),
    [
        ("central", True, True),
        ("elected_creator", True, False),
        ("elected_other", True, False),
        ("agent_instructing", False, False),
        ("agent_no_service", False, False),
        ("inactive_central", False, False),
        ("inactive_elected_creator", False, False),
        ("anonymous", False, False),
    ],
)
def test_who_creates_and_who_sees_everything(world, profile, creates, sees_all):
    user = world["users"][profile]
    assert can_create_request(user) is creates
    assert can_see_all_requests(user) is sees_all


def test_an_agent_in_two_services_sees_the_requests_of_both():
    roads, lighting, parks = (
        ServiceFactory(name="Voirie"),
        ServiceFactory(name="Éclairage"),
        ServiceFactory(name="Parcs"),
    )
    central = CentralFactory()
    agent = AgentFactory(services=[roads, lighting])
    by_roads = ServiceRequestFactory(created_by=central, instructing_service=roads, executing_service=parks)
    by_lighting = ServiceRequestFactory(created_by=central, instructing_service=parks, executing_service=lighting)
    both = ServiceRequestFactory(created_by=central, instructing_service=roads, executing_service=lighting)
    elsewhere = ServiceRequestFactory(created_by=central, instructing_service=parks, executing_service=parks)

    visible = list(visible_requests(agent))
    assert sorted(sr.pk for sr in visible) == sorted([by_roads.pk, by_lighting.pk, both.pk])  # no duplicates
    assert not is_visible(agent, elsewhere)
    assert can(agent, Action.INSTRUCT, by_roads) and not can(agent, Action.EXECUTE, by_roads)
    assert can(agent, Action.EXECUTE, by_lighting) and not can(agent, Action.INSTRUCT, by_lighting)
    assert can(agent, Action.INSTRUCT, both) and can(agent, Action.EXECUTE, both)


def test_visibility_follows_a_change_of_assignment(central):
    """Visibility is computed from the row, not remembered: reassigning moves the request."""
    roads, parks = ServiceFactory(name="Voirie"), ServiceFactory(name="Parcs")
    agent = AgentFactory(services=[roads])
    sr = ServiceRequestFactory(created_by=central, instructing_service=roads, executing_service=roads)
    assert visible_requests(agent).filter(pk=sr.pk).exists()
    ServiceRequest.objects.filter(pk=sr.pk).update(instructing_service=parks, executing_service=parks)
    sr.refresh_from_db()
    assert not visible_requests(agent).filter(pk=sr.pk).exists()
    assert not is_visible(agent, sr)
    assert not can(agent, Action.VIEW, sr)


def test_an_elected_official_sees_only_their_requests(central):
    mine_created, mine_referent, others = ElectedFactory(), ElectedFactory(), ElectedFactory()
    created = ServiceRequestFactory(created_by=mine_created)
    referent_of = ServiceRequestFactory(created_by=central, referent_official=mine_created)
    ServiceRequestFactory(created_by=others)
    ServiceRequestFactory(created_by=central, referent_official=mine_referent)
    ServiceRequestFactory(created_by=central)
    assert set(visible_requests(mine_created)) == {created, referent_of}
    assert visible_requests(central).count() == 5
