"""Random follow-up sessions (Hypothesis): whatever people click, in whatever order, with
whatever they type, the services only ever answer with a refusal a view can show
(``ValidationError``, ``PermissionDenied``, ``StaleEditError``), a refusal changes
nothing, and a request's life stays coherent after every step.

Two requests live in each example (so duplicates can go both ways); each step is
one action by one of the four people (central service, élu référent, agent of the
instructing service, agent of the executing service, or the automatic schedule).
``EUSP_PROPERTY_EXAMPLES=500`` explores further than the CI default.
"""

import datetime
import os
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from eusp.casework.models import Reminder, RequestEvent, ServiceRequest
from eusp.casework.services import (
    StaleEditError,
    request_archive,
    request_change_state,
    request_close,
    request_comment,
    request_instruct,
    request_mark_duplicate,
    request_reactivate,
    request_record_execution,
    request_remind,
    request_update,
)
from eusp.directory.models import ACTIVE_PHASES, FINISHED_PHASES, Category, District, Phase, Priority, Service, State
from tests.factories import CategoryFactory, DistrictFactory, ServiceFactory, ServiceRequestFactory

from .follow_up import request_new, works_agent
from .test_milestones import timeline_milestones

pytestmark = pytest.mark.django_db

REFUSALS = (ValidationError, PermissionDenied, StaleEditError)


@dataclass(frozen=True)
class Ref:
    """An object of the example's world, by name (strategies run before the world exists)."""

    name: str


@dataclass(frozen=True)
class Missing:
    """An id no row has."""

    model: type


@dataclass(frozen=True)
class DaysFromToday:
    days: int


def resolve(value, world: dict):
    if isinstance(value, Ref):
        return world[value.name]
    if isinstance(value, Missing):
        return value.model(pk=987_654)
    if isinstance(value, DaysFromToday):
        return timezone.localdate() + datetime.timedelta(days=value.days)
    return value


# What people type: anything but NUL, which forms strip before any service sees it.
typed = st.text(st.characters(exclude_characters="\x00", exclude_categories=("Cs",)), max_size=40)
long_typed = st.text(st.characters(codec="utf-8", exclude_characters="\x00"), min_size=195, max_size=260)
text = st.one_of(typed, st.sampled_from(["", "   ", "Trou rebouché"]), long_typed)
days = st.integers(-400, 400).map(DaysFromToday)
junk = st.one_of(typed, st.sampled_from(["hier", "2026-02-30", "45,2", "-", "1e400"]))

# The central service does most of the follow-up: it acts half of the time.
ACTORS = ("central", "central", "central", "elected", "agent", "worker")
STATES = ("Nouvelle", "En cours", "À suivre", "Budget pluriannuel", "Réalisée", "Sans suite", "Abandonnée")
actor = st.sampled_from(ACTORS)
target = st.sampled_from(("main", "other"))
a_state = st.sampled_from(STATES).map(Ref)
service = st.sampled_from([Ref("voirie"), Ref("works"), Ref("cleanliness"), Missing(Service)])

FIELD_VALUES = {
    "subject": text,
    "description": text,
    "requester_last_name": text,
    "requester_phone": text,
    "requester_email": st.one_of(st.emails(), typed, st.just("")),
    "requester_civility": st.sampled_from(["", "m", "mme", "dr"]),
    "received_on": st.one_of(days, st.dates(), junk),
    "latitude": st.one_of(
        st.none(),
        st.decimals(allow_nan=True, allow_infinity=True),
        st.floats(),
        junk,
        st.just("45.188529"),
    ),
    "priority": st.sampled_from([Ref("priority"), Missing(Priority)]),
    "category": st.sampled_from([Ref("category"), Ref("category2"), None, Missing(Category)]),
    "district": st.sampled_from([None, Ref("district"), Missing(District)]),
    "referent_official": st.sampled_from([None, Ref("elected"), Ref("agent")]),
    "instructing_service": st.one_of(st.none(), service),
    "executing_service": st.one_of(st.none(), service),
    "state": a_state,
}

actions = st.one_of(
    st.tuples(
        st.just("update"),
        target,
        actor,
        # A few fields per save, so that some saves go through.
        st.lists(st.sampled_from(sorted(FIELD_VALUES)), max_size=3, unique=True).flatmap(
            lambda names: st.fixed_dictionaries({name: FIELD_VALUES[name] for name in names})
        ),
        st.sampled_from(["none", "current", "stale"]),
        text,
    ),
    st.tuples(st.just("change_state"), target, actor, a_state, text),
    st.tuples(st.just("close"), target, actor, st.booleans(), text),
    st.tuples(st.just("archive"), target, actor),
    st.tuples(st.just("reactivate"), target, actor, st.one_of(st.none(), a_state)),
    st.tuples(st.just("duplicate"), target, actor, st.booleans()),
    st.tuples(
        st.just("instruct"),
        target,
        actor,
        st.sampled_from(["feasible", "not_feasible", "to_study", "", "peut-être"]),
        st.one_of(st.none(), st.integers(-3, 40), st.integers(2_000, 40_000)),
        st.one_of(st.none(), st.integers(-30, 400).map(DaysFromToday)),
        st.one_of(
            st.none(),
            st.decimals(min_value=-100, max_value=10**13, places=2),
            st.sampled_from([Decimal("NaN"), Decimal("Infinity"), Decimal("0.001")]),
        ),
        st.booleans(),
        st.one_of(st.none(), st.integers(-2, 12)),
        st.booleans(),
        text,
    ),
    st.tuples(
        st.just("execute"),
        target,
        actor,
        text,
        st.booleans(),
        st.one_of(st.none(), st.integers(-30, 5).map(DaysFromToday)),
        st.booleans(),
    ),
    st.tuples(st.just("comment"), target, actor, text, st.booleans()),
    st.tuples(st.just("remind"), target, st.one_of(st.none(), actor), service, text),
)


def perform(action: tuple, world: dict) -> None:
    kind, which, who, *args = action
    sr = ServiceRequest.objects.get(pk=world[which].pk)
    other = world["other" if which == "main" else "main"]
    user = world[who] if who else None
    if kind == "update":
        data, version, note = args
        expected = {"none": None, "current": sr.version, "stale": sr.version - 1}[version]
        data = {name: resolve(value, world) for name, value in data.items()}
        request_update(sr=sr, actor=user, data=data, expected_version=expected, note=note)
    elif kind == "change_state":
        new_state, reason = args
        request_change_state(sr=sr, actor=user, state=resolve(new_state, world), reason=reason)
    elif kind == "close":
        done, reason = args
        request_close(sr=sr, actor=user, done=done, reason=reason)
    elif kind == "archive":
        request_archive(sr=sr, actor=user)
    elif kind == "reactivate":
        (new_state,) = args
        request_reactivate(sr=sr, actor=user, state=resolve(new_state, world))
    elif kind == "duplicate":
        (of_itself,) = args
        original = sr if of_itself else ServiceRequest.objects.get(pk=other.pk)
        request_mark_duplicate(sr=sr, original=original, actor=user)
    elif kind == "instruct":
        feasibility, delay, due, cost, multi_year, budget_in, internal, note = args
        request_instruct(
            sr=sr,
            actor=user,
            feasibility=feasibility,
            expected_delay_days=delay,
            due_on=resolve(due, world),
            estimated_cost=cost,
            multi_year_budget=multi_year,
            budget_year=None if budget_in is None else timezone.localdate().year + budget_in,
            note=note,
            is_internal=internal,
        )
    elif kind == "execute":
        note, is_done, done_on, internal = args
        request_record_execution(
            sr=sr, actor=user, note=note, is_done=is_done, done_on=resolve(done_on, world), is_internal=internal
        )
    elif kind == "comment":
        note, internal = args
        request_comment(sr=sr, actor=user, note=note, is_internal=internal)
    elif kind == "remind":
        to, message = args
        request_remind(sr=sr, actor=user, service=resolve(to, world), message=message)


def trace(sr: ServiceRequest) -> dict:
    row = ServiceRequest.objects.filter(pk=sr.pk).values().get()
    events = list(
        RequestEvent.objects.filter(service_request_id=sr.pk)
        .order_by("pk")
        .values_list("pk", "kind", "actor_id", "note", "changes", "is_internal")
    )
    reminders = list(Reminder.objects.filter(service_request_id=sr.pk).values_list("pk", flat=True))
    return {"row": row, "events": events, "reminders": reminders}


def check_coherent(sr: ServiceRequest) -> None:
    sr = ServiceRequest.objects.select_related("state", "duplicate_of").get(pk=sr.pk)
    finished = sr.state.phase in FINISHED_PHASES
    assert (sr.closed_at is not None) == finished, "closed_at is set exactly when the request is finished"
    assert not sr.is_archived or finished, "only a finished request is archived"
    assert sr.is_archived == (sr.archived_at is not None)
    if sr.state.phase == Phase.DONE:
        assert sr.done_on is not None, "a done request says when"
    if sr.state.phase == Phase.CLOSED:
        assert sr.closing_reason.strip(), "closed without action says why"
    if sr.state.phase in ACTIVE_PHASES:
        assert (sr.done_on, sr.closing_reason) == (None, ""), "a live request is neither done nor closed"
    if sr.duplicate_of is not None:
        assert sr.duplicate_of_id != sr.pk
        assert sr.duplicate_of.duplicate_of_id is None, "duplicates point at the original, never at a duplicate"
    milestones = (sr.first_instructed_on, sr.first_answered_on)
    assert milestones == timeline_milestones(sr), "the milestones the statistics read are the timeline's"


def check_step(action: tuple, world: dict, before: dict, outcome: Exception | None) -> None:
    after = {name: trace(world[name]) for name in ("main", "other")}
    if outcome is not None:
        assert after == before, f"refused ({outcome!r}) yet something changed"
        if isinstance(outcome, StaleEditError):
            assert action[0] == "update" and action[4] == "stale"
        return
    kind, which = action[0], action[1]
    for name in ("main", "other"):
        was, now = before[name], after[name]
        assert now["events"][: len(was["events"])] == was["events"], "the timeline is append-only"
        assert now["row"]["version"] >= was["row"]["version"]
        # The search's copy of the timeline's notes follows the timeline: not an edit of the request.
        derived = {"updated_at", "version", "search_notes", "search_internal_notes"}
        moved = {k for k, v in now["row"].items() if v != was["row"][k]} - derived
        if moved:
            assert now["row"]["version"] > was["row"]["version"], f"{moved} changed without a new version"
        if now["row"]["version"] > was["row"]["version"]:
            assert len(now["events"]) > len(was["events"]), "a new version without a timeline entry"
    on_target = len(after[which]["events"]) - len(before[which]["events"])
    if kind == "update":
        changed = after[which]["row"]["version"] > before[which]["row"]["version"]
        assert (on_target > 0) == changed, "an update leaves an entry exactly when it changed something"
    else:
        assert on_target > 0, f"{kind} succeeded without a timeline entry"
    if kind == "duplicate":
        assert all(len(after[n]["events"]) > len(before[n]["events"]) for n in ("main", "other"))


def build_world(central, elected, agent, voirie) -> dict:
    works_worker = works_agent()
    world = {
        "central": central,
        "elected": elected,
        "agent": agent,
        "worker": works_worker,
        "voirie": voirie,
        "works": works_worker.services.get(),
        "cleanliness": ServiceFactory(name="Propreté"),
        "priority": Priority.objects.get(label="Haute"),
        "category": CategoryFactory(name="Voirie et trottoirs"),
        "category2": CategoryFactory(name="Éclairage public"),
        "district": DistrictFactory(name="Centre-ville"),
    }
    State.objects.create(label="Abandonnée", phase=Phase.WAITING, position=90, is_active=False)
    world.update({label: State.objects.get(label=label) for label in STATES})
    world["main"] = request_new(central, voirie, referent_official=elected)
    world["other"] = ServiceRequestFactory(
        created_by=elected, instructing_service=voirie, executing_service=world["works"]
    )
    return world


class _Rollback(Exception):
    pass


@settings(
    max_examples=int(os.environ.get("EUSP_PROPERTY_EXAMPLES", "40")),
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(steps=st.lists(actions, min_size=1, max_size=15))
def test_any_sequence_of_actions_keeps_a_request_coherent(central, elected, agent, voirie, steps):
    # Each example starts from the same world: built in a savepoint, rolled back after.
    try:
        with transaction.atomic():
            world = build_world(central, elected, agent, voirie)
            for action in steps:
                before = {name: trace(world[name]) for name in ("main", "other")}
                try:
                    perform(action, world)
                except REFUSALS as refusal:
                    outcome = refusal
                else:
                    outcome = None
                event(f"{action[0]}: {type(outcome).__name__ if outcome else 'done'}")
                check_step(action, world, before, outcome)
                for name in ("main", "other"):
                    check_coherent(world[name])
            raise _Rollback
    except _Rollback:
        pass
