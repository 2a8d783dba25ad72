"""A request's states (``services/workflow.py``): change, close, archive, reactivate,
mark as duplicate — the timeline entry of each, and the moves that are refused
without touching anything."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from eusp.casework.models import EventKind
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
)
from eusp.directory.models import Phase, State

from .follow_up import kinds, last_event, nothing_changes, reload, request_new, state, timeline, works_agent

pytestmark = pytest.mark.django_db


@pytest.fixture
def sr(central, voirie):
    return request_new(central, voirie)


def archived(sr, central):
    request_close(sr=sr, actor=central, done=True)
    return request_archive(sr=sr, actor=central)


# Changing state


def test_a_new_state_is_a_state_changed_event(sr, central):
    changed = request_change_state(sr=sr, actor=central, state=state("À suivre"), note="En attente du concessionnaire")

    saved = reload(sr)
    assert saved.state.label == "À suivre"
    assert saved.version == changed.version == sr.version + 1
    assert (saved.closed_at, saved.done_on) == (None, None)
    event = last_event(sr)
    assert (event.kind, event.actor, event.note) == (EventKind.STATE_CHANGED, central, "En attente du concessionnaire")
    assert event.changes == {"state": {"label": "état", "before": "Nouvelle", "after": "À suivre"}}


def test_the_same_state_is_refused(sr, central):
    with nothing_changes(sr), pytest.raises(ValidationError) as refused:
        request_change_state(sr=sr, actor=central, state=state("Nouvelle"))
    assert refused.value.message_dict == {"state": ["La demande est déjà dans l'état « Nouvelle »."]}


def test_a_state_no_longer_used_is_refused(sr, central):
    State.objects.filter(label="À suivre").update(is_active=False)
    with nothing_changes(sr), pytest.raises(ValidationError) as refused:
        request_change_state(sr=sr, actor=central, state=state("À suivre"))
    assert refused.value.message_dict == {"state": ["L'état « À suivre » n'est plus utilisé."]}


def test_an_archived_request_does_not_change_state(sr, central):
    archived(sr, central)
    with nothing_changes(sr), pytest.raises(ValidationError) as refused:
        request_change_state(sr=sr, actor=central, state=state("En cours"))
    assert "réactivez-la" in refused.value.message_dict["state"][0]


def test_a_done_state_closes_the_request_and_dates_the_work(sr, central):
    request_change_state(sr=sr, actor=central, state=state("Réalisée"))

    saved = reload(sr)
    assert saved.closed_at is not None
    assert saved.done_on == timezone.localdate()
    event = last_event(sr)
    assert (event.kind, event.actor) == (EventKind.CLOSED, central)
    assert event.changes == {"state": {"label": "état", "before": "Nouvelle", "after": "Réalisée"}}


def test_back_to_an_active_state_reopens_the_request(sr, central):
    request_change_state(sr=sr, actor=central, state=state("Réalisée"))

    request_change_state(sr=sr, actor=central, state=state("En cours"), note="Le trou est revenu")

    saved = reload(sr)
    assert (saved.state.label, saved.closed_at, saved.done_on) == ("En cours", None, None)
    event = last_event(sr)
    assert (event.kind, event.note) == (EventKind.STATE_CHANGED, "Le trou est revenu")
    assert event.changes["state"] == {"label": "état", "before": "Réalisée", "after": "En cours"}


def test_work_done_again_after_reopening_gets_its_new_date(sr, central):
    request_change_state(sr=sr, actor=central, state=state("Réalisée"))
    sr.__class__.objects.filter(pk=sr.pk).update(done_on=timezone.localdate() - datetime.timedelta(days=30))
    request_change_state(sr=sr, actor=central, state=state("En cours"))

    request_change_state(sr=sr, actor=central, state=state("Réalisée"))

    assert reload(sr).done_on == timezone.localdate()


def test_moving_between_finished_states_keeps_the_closing_date(sr, central):
    request_change_state(sr=sr, actor=central, state=state("Réalisée"))
    closed_at = reload(sr).closed_at

    request_change_state(
        sr=sr, actor=central, state=state("Sans suite"), reason="Travaux refaits par le concessionnaire"
    )

    assert reload(sr).closed_at == closed_at


@pytest.mark.parametrize("reason", ["", "   \n"])
def test_closing_without_action_needs_a_reason(sr, central, reason):
    with nothing_changes(sr), pytest.raises(ValidationError) as refused:
        request_change_state(sr=sr, actor=central, state=state("Sans suite"), reason=reason)
    assert refused.value.message_dict == {"reason": ["Indiquez le motif du classement sans suite."]}


def test_a_reason_given_once_is_not_reused_after_reopening(sr, central):
    request_change_state(sr=sr, actor=central, state=state("Sans suite"), reason="Domaine privé")
    request_change_state(sr=sr, actor=central, state=state("En cours"))
    assert reload(sr).closing_reason == ""

    with nothing_changes(sr), pytest.raises(ValidationError):
        request_change_state(sr=sr, actor=central, state=state("Sans suite"))


def test_a_stale_version_is_refused_when_changing_state(sr, central):
    request_change_state(sr=sr, actor=central, state=state("En cours"))
    with nothing_changes(sr), pytest.raises(StaleEditError):
        request_change_state(sr=sr, actor=central, state=state("À suivre"), expected_version=sr.version)


def test_only_the_central_service_changes_state(sr, agent):
    with nothing_changes(sr), pytest.raises(PermissionDenied):
        request_change_state(sr=sr, actor=agent, state=state("En cours"))


# Closing


def test_closing_as_done(sr, central):
    request_close(sr=sr, actor=central, done=True)

    saved = reload(sr)
    assert saved.state.label == "Réalisée"
    assert saved.closed_at is not None
    assert saved.done_on == timezone.localdate()
    event = last_event(sr)
    assert (event.kind, event.actor) == (EventKind.CLOSED, central)
    assert event.changes["state"] == {"label": "état", "before": "Nouvelle", "after": "Réalisée"}


def test_closing_without_action_records_the_reason(sr, central):
    request_close(sr=sr, actor=central, done=False, reason="  Voie privée : hors compétence  ")

    saved = reload(sr)
    assert (saved.state.label, saved.closing_reason, saved.done_on) == (
        "Sans suite",
        "Voie privée : hors compétence",
        None,
    )
    assert saved.closed_at is not None
    event = last_event(sr)
    assert (event.kind, event.note) == (EventKind.CLOSED, "Voie privée : hors compétence")


@pytest.mark.parametrize("reason", ["", "  "])
def test_closing_without_action_without_reason_is_refused(sr, central, reason):
    with nothing_changes(sr), pytest.raises(ValidationError) as refused:
        request_close(sr=sr, actor=central, done=False, reason=reason)
    assert "reason" in refused.value.message_dict


@pytest.mark.parametrize("done", [True, False])
def test_a_closed_request_cannot_be_closed_again(sr, central, done):
    request_close(sr=sr, actor=central, done=True)
    with nothing_changes(sr), pytest.raises(ValidationError) as refused:
        request_close(sr=sr, actor=central, done=done, reason="Encore")
    assert refused.value.messages == ["La demande est déjà close."]


def test_closing_uses_the_citys_first_active_state_of_the_phase(sr, central):
    State.objects.filter(label="Réalisée").update(is_active=False)
    State.objects.create(label="Terminée", phase=Phase.DONE, position=50)

    request_close(sr=sr, actor=central, done=True)

    assert reload(sr).state.label == "Terminée"


def test_only_the_central_service_closes(sr, agent):
    with nothing_changes(sr), pytest.raises(PermissionDenied):
        request_close(sr=sr, actor=agent, done=True)


# Archiving and reactivating


def test_a_finished_request_is_archived(sr, central):
    request_close(sr=sr, actor=central, done=False, reason="Hors compétence")

    request_archive(sr=sr, actor=central)

    saved = reload(sr)
    assert saved.is_archived
    assert saved.archived_at is not None
    assert (last_event(sr).kind, last_event(sr).actor) == (EventKind.ARCHIVED, central)


@pytest.mark.parametrize("label", ["Nouvelle", "En cours", "Budget pluriannuel"])
def test_a_live_request_is_not_archived(sr, central, label):
    if label != "Nouvelle":
        request_change_state(sr=sr, actor=central, state=state(label))
    with nothing_changes(sr), pytest.raises(ValidationError) as refused:
        request_archive(sr=sr, actor=central)
    assert "close" in refused.value.messages[0]


def test_archiving_twice_is_refused(sr, central):
    archived(sr, central)
    with nothing_changes(sr), pytest.raises(ValidationError) as refused:
        request_archive(sr=sr, actor=central)
    assert refused.value.messages == ["La demande est déjà archivée."]


def test_only_the_central_service_archives(sr, central, agent):
    request_close(sr=sr, actor=central, done=True)
    with nothing_changes(sr), pytest.raises(PermissionDenied):
        request_archive(sr=sr, actor=agent)


def test_reactivating_brings_the_request_back_open(sr, central):
    archived(sr, central)

    request_reactivate(sr=sr, actor=central, note="Le trou est revenu")

    saved = reload(sr)
    assert not saved.is_archived
    assert (saved.state.label, saved.archived_at, saved.closed_at, saved.done_on) == ("Nouvelle", None, None, None)
    event = last_event(sr)
    assert (event.kind, event.actor, event.note) == (EventKind.REACTIVATED, central, "Le trou est revenu")
    assert event.changes == {"state": {"label": "état", "before": "Réalisée", "after": "Nouvelle"}}


def test_reactivating_into_a_chosen_active_state(sr, central):
    archived(sr, central)
    request_reactivate(sr=sr, actor=central, state=state("En cours"))
    assert reload(sr).state.label == "En cours"


@pytest.mark.parametrize("label", ["Réalisée", "Sans suite"])
def test_reactivating_into_a_finished_state_is_refused(sr, central, label):
    archived(sr, central)
    with nothing_changes(sr), pytest.raises(ValidationError):
        request_reactivate(sr=sr, actor=central, state=state(label))


def test_reactivating_into_a_state_no_longer_used_is_refused(sr, central):
    archived(sr, central)
    State.objects.filter(label="À suivre").update(is_active=False)
    with nothing_changes(sr), pytest.raises(ValidationError):
        request_reactivate(sr=sr, actor=central, state=state("À suivre"))


@pytest.mark.parametrize("closed", [False, True])
def test_only_an_archived_request_is_reactivated(sr, central, closed):
    if closed:
        request_close(sr=sr, actor=central, done=True)
    with nothing_changes(sr), pytest.raises(ValidationError) as refused:
        request_reactivate(sr=sr, actor=central)
    assert refused.value.messages == ["Seule une demande archivée peut être réactivée."]


def test_only_the_central_service_reactivates(sr, central, agent):
    archived(sr, central)
    with nothing_changes(sr), pytest.raises(PermissionDenied):
        request_reactivate(sr=sr, actor=agent)


def test_an_archived_request_is_read_only_for_services_and_elected(central, voirie, elected, agent):
    worker = works_agent()
    sr = request_new(central, voirie, referent_official=elected)
    archived(sr, central)
    sr = reload(sr)
    today = timezone.localdate()

    attempts = [
        lambda: request_instruct(sr=sr, actor=agent, feasibility="feasible", due_on=today),
        lambda: request_record_execution(sr=sr, actor=worker, note="Rebouché", is_done=True),
        lambda: request_comment(sr=sr, actor=agent, note="Vu"),
        lambda: request_comment(sr=sr, actor=elected, note="Merci"),
    ]
    for attempt in attempts:
        with nothing_changes(sr), pytest.raises(PermissionDenied):
            attempt()
    # The central service still writes on the timeline of an archived request.
    request_comment(sr=sr, actor=central, note="Archivée après appel du demandeur")
    assert last_event(sr).kind == EventKind.COMMENT


# Duplicates


def test_marking_a_duplicate_links_both_and_closes_the_duplicate(central, voirie):
    original, duplicate = request_new(central, voirie), request_new(central, voirie)

    request_mark_duplicate(sr=duplicate, original=original, actor=central)

    duplicate, original = reload(duplicate), reload(original)
    assert duplicate.duplicate_of == original
    assert list(original.duplicates.all()) == [duplicate]
    assert (duplicate.state.label, duplicate.closing_reason) == (
        "Sans suite",
        f"Doublon de la demande {original.reference}.",
    )
    assert duplicate.closed_at is not None
    assert original.state.label == "Nouvelle"
    assert kinds(duplicate) == [EventKind.CREATED, EventKind.DUPLICATE, EventKind.CLOSED]
    assert kinds(original) == [EventKind.CREATED, EventKind.DUPLICATE]
    on_duplicate, on_original = timeline(duplicate)[1], timeline(original)[1]
    assert (on_duplicate.actor, on_original.actor) == (central, central)
    assert original.reference in on_duplicate.note
    assert duplicate.reference in on_original.note
    assert timeline(duplicate)[2].note == f"Doublon de la demande {original.reference}."


def test_a_finished_request_marked_as_duplicate_keeps_its_state(central, voirie):
    original, duplicate = request_new(central, voirie), request_new(central, voirie)
    request_close(sr=duplicate, actor=central, done=True)

    request_mark_duplicate(sr=duplicate, original=original, actor=central)

    duplicate = reload(duplicate)
    assert (duplicate.duplicate_of, duplicate.state.label) == (original, "Réalisée")
    assert kinds(duplicate)[-1] == EventKind.DUPLICATE


def test_a_request_is_not_its_own_duplicate(sr, central):
    with nothing_changes(sr), pytest.raises(ValidationError) as refused:
        request_mark_duplicate(sr=sr, original=sr, actor=central)
    assert "original" in refused.value.message_dict


def test_a_duplicate_of_a_duplicate_points_at_the_original(central, voirie):
    original, first, second = (request_new(central, voirie) for _ in range(3))
    request_mark_duplicate(sr=first, original=original, actor=central)

    with nothing_changes(first):
        request_mark_duplicate(sr=second, original=reload(first), actor=central)

    assert reload(second).duplicate_of == original
    assert set(reload(original).duplicates.all()) == {reload(first), reload(second)}
    assert original.reference in reload(second).closing_reason
    assert kinds(original) == [EventKind.CREATED, EventKind.DUPLICATE, EventKind.DUPLICATE]


def test_a_request_with_duplicates_cannot_become_one(central, voirie):
    original, duplicate, other = (request_new(central, voirie) for _ in range(3))
    request_mark_duplicate(sr=duplicate, original=original, actor=central)

    with nothing_changes(original, duplicate, other), pytest.raises(ValidationError) as refused:
        request_mark_duplicate(sr=original, original=other, actor=central)
    assert "original" in refused.value.message_dict


def test_the_original_of_its_own_duplicate_is_refused(central, voirie):
    original, duplicate = request_new(central, voirie), request_new(central, voirie)
    request_mark_duplicate(sr=duplicate, original=original, actor=central)

    with nothing_changes(original, duplicate), pytest.raises(ValidationError):
        request_mark_duplicate(sr=original, original=reload(duplicate), actor=central)


def test_a_duplicate_is_not_marked_twice(central, voirie):
    original, other, duplicate = (request_new(central, voirie) for _ in range(3))
    request_mark_duplicate(sr=duplicate, original=original, actor=central)

    with nothing_changes(original, other, duplicate), pytest.raises(ValidationError):
        request_mark_duplicate(sr=reload(duplicate), original=other, actor=central)


def test_only_the_central_service_marks_duplicates(central, voirie, agent):
    original, duplicate = request_new(central, voirie), request_new(central, voirie)
    with nothing_changes(original, duplicate), pytest.raises(PermissionDenied):
        request_mark_duplicate(sr=duplicate, original=original, actor=agent)
