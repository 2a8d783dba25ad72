"""The central service edits a request (``services/editing.py``): what the timeline says,
and the edits that are refused without touching anything — including two people
saving the same request."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from eusp.casework.models import EventKind
from eusp.casework.services import StaleEditError, request_assign, request_update
from eusp.directory.models import Priority
from tests.factories import CentralFactory, ServiceFactory

from .follow_up import kinds, last_event, nothing_changes, reload, request_new, state, timeline

pytestmark = pytest.mark.django_db


@pytest.fixture
def sr(central, voirie):
    return request_new(central, voirie, subject="Nid de poule rue Haute")


def test_an_edit_records_each_changed_field_before_and_after(sr, central):
    updated = request_update(
        sr=sr,
        actor=central,
        data={"subject": "Nid de poule rue Basse", "requester_email": "j.durand@example.org", "description": ""},
        expected_version=sr.version,
        note="Adresse corrigée au téléphone",
    )

    saved = reload(sr)
    assert (saved.subject, saved.requester_email, saved.description) == (
        "Nid de poule rue Basse",
        "j.durand@example.org",
        "",
    )
    assert saved.version == updated.version == sr.version + 1
    event = last_event(sr)
    assert (event.kind, event.actor, event.note) == (EventKind.EDITED, central, "Adresse corrigée au téléphone")
    assert event.changes == {
        "subject": {"label": "objet", "before": "Nid de poule rue Haute", "after": "Nid de poule rue Basse"},
        "requester_email": {
            "label": "e-mail",
            "before": "jeanne.durand@example.org",
            "after": "j.durand@example.org",
        },
        "description": {"label": "description", "before": "Trou dangereux sur la chaussée.", "after": ""},
    }


def test_values_are_cleaned_before_comparing(sr, central):
    """A form posts strings: "45.1" for a latitude is a change once, then no change at all."""
    request_update(sr=sr, actor=central, data={"latitude": "45.1"}, expected_version=None)
    assert reload(sr).latitude == Decimal("45.1")
    version, events = reload(sr).version, kinds(sr)

    request_update(sr=sr, actor=central, data={"latitude": "45.100000"}, expected_version=version)

    assert (reload(sr).version, kinds(sr)) == (version, events)


def test_saving_unchanged_values_records_nothing(sr, central):
    request_update(
        sr=sr, actor=central, data={"subject": sr.subject, "priority": sr.priority}, expected_version=sr.version
    )
    assert reload(sr).version == sr.version
    assert kinds(sr) == [EventKind.CREATED]


def test_an_assignment_is_an_assigned_event_naming_who_was_replaced(sr, central, elected):
    cleanliness = ServiceFactory(name="Propreté")

    request_assign(sr=sr, actor=central, instructing_service=cleanliness, referent_official=elected)

    saved = reload(sr)
    assert (saved.instructing_service, saved.referent_official) == (cleanliness, elected)
    assert kinds(sr) == [EventKind.CREATED, EventKind.ASSIGNED]
    event = last_event(sr)
    assert event.actor == central
    assert event.changes == {
        "referent_official": {"label": "élu référent", "before": "", "after": str(elected)},
        "instructing_service": {"label": "service instructeur", "before": "Voirie", "after": "Propreté"},
    }


def test_an_edit_and_an_assignment_in_one_save_give_one_event_each(sr, central):
    request_update(
        sr=sr,
        actor=central,
        data={"subject": "Chaussée effondrée", "executing_service": None},
        expected_version=sr.version,
    )

    edited, assigned = timeline(sr)[1:]
    assert edited.kind == EventKind.EDITED
    assert set(edited.changes) == {"subject"}
    assert assigned.kind == EventKind.ASSIGNED
    assert assigned.changes == {"executing_service": {"label": "service exécution", "before": "Travaux", "after": ""}}
    assert reload(sr).version == sr.version + 1


def test_the_note_of_a_reassignment_is_kept(sr, central):
    """The note explains why the request changed hands: it must reach the timeline."""
    request_update(
        sr=sr,
        actor=central,
        data={"instructing_service": ServiceFactory(name="Propreté")},
        expected_version=sr.version,
        note="Relève de la propreté, pas de la voirie",
    )

    event = last_event(sr)
    assert (event.kind, event.note) == (EventKind.ASSIGNED, "Relève de la propreté, pas de la voirie")


def test_an_edit_with_a_new_state_gives_both_events(sr, central):
    request_update(
        sr=sr,
        actor=central,
        data={"subject": "Chaussée effondrée", "state": state("En cours")},
        expected_version=sr.version,
    )

    saved = reload(sr)
    assert (saved.subject, saved.state.label) == ("Chaussée effondrée", "En cours")
    assert saved.version == sr.version + 2
    edited, changed = timeline(sr)[1:]
    assert (edited.kind, edited.actor) == (EventKind.EDITED, central)
    assert (changed.kind, changed.actor) == (EventKind.STATE_CHANGED, central)
    assert changed.changes == {"state": {"label": "état", "before": "Nouvelle", "after": "En cours"}}


def test_a_refused_state_undoes_the_edit_of_the_same_save(sr, central):
    with nothing_changes(sr), pytest.raises(ValidationError) as refused:
        request_update(
            sr=sr,
            actor=central,
            data={"subject": "Chaussée effondrée", "state": state("Sans suite")},
            expected_version=sr.version,
        )
    assert refused.value.message_dict == {"reason": ["Indiquez le motif du classement sans suite."]}


def test_a_stale_version_is_refused_and_changes_nothing(sr, central):
    request_update(sr=sr, actor=central, data={"description": "Plus grave"}, expected_version=sr.version)

    with nothing_changes(sr), pytest.raises(StaleEditError) as stale:
        request_update(sr=sr, actor=central, data={"subject": "Autre"}, expected_version=sr.version)
    assert stale.value.current.version == sr.version + 1


def test_two_people_editing_the_second_is_told_and_the_first_is_kept(sr, central):
    """Both open the edit form on the same version; A saves first; B's save is refused."""
    colleague = CentralFactory(username="central-b")
    seen_by_a, seen_by_b = reload(sr), reload(sr)

    request_update(
        sr=seen_by_a,
        actor=central,
        data={"subject": "Version de A", "requester_phone": "0102030405"},
        expected_version=seen_by_a.version,
    )
    with nothing_changes(sr), pytest.raises(StaleEditError) as stale:
        request_update(
            sr=seen_by_b,
            actor=colleague,
            data={"subject": "Version de B", "description": "B"},
            expected_version=seen_by_b.version,
        )

    saved = reload(sr)
    assert (saved.subject, saved.requester_phone, saved.description) == (
        "Version de A",
        "0102030405",
        "Trou dangereux sur la chaussée.",
    )
    # B is shown what A saved, to redo their edit on top of it.
    assert stale.value.current.subject == "Version de A"
    assert [(e.kind, e.actor) for e in timeline(sr)[1:]] == [(EventKind.EDITED, central)]


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("subject", "", "Ce champ ne peut pas être vide."),
        ("subject", "x" * 201, None),
        ("requester_email", "jeanne.durand-at-example.org", "Saisissez une adresse de courriel valide."),
        ("received_on", "hier", None),
        ("received_on", "2026-02-30", None),
        ("latitude", "nord", None),
        ("latitude", Decimal("1234.5"), None),
        ("requester_civility", "dr", None),
        ("priority", Priority(pk=987654), None),
        ("category", None, None),
    ],
)
def test_invalid_data_is_refused_and_nothing_is_saved(sr, central, field, value, message):
    with nothing_changes(sr), pytest.raises(ValidationError) as refused:
        request_update(
            sr=sr, actor=central, data={"description": "Nouvelle description", field: value}, expected_version=None
        )
    assert field in refused.value.message_dict
    if message:
        assert refused.value.message_dict[field] == [message]


def test_the_referent_must_be_an_elected_official(sr, central, agent):
    with nothing_changes(sr), pytest.raises(ValidationError) as refused:
        request_assign(sr=sr, actor=central, referent_official=agent)
    assert "referent_official" in refused.value.message_dict


def test_fields_outside_the_form_cannot_be_written(sr, central):
    with nothing_changes(sr), pytest.raises(ValueError, match="not editable"):
        request_update(sr=sr, actor=central, data={"reference": "2000-00001", "version": 1}, expected_version=None)


@pytest.mark.parametrize("who", ["elected", "agent"])
def test_only_the_central_service_edits(central, voirie, who, request):
    user = request.getfixturevalue(who)
    # Both see the request: the élu is its référent, the agent's service instructs it.
    sr = request_new(central, voirie, referent_official=request.getfixturevalue("elected"))
    with nothing_changes(sr), pytest.raises(PermissionDenied):
        request_update(sr=sr, actor=user, data={"subject": "Autre objet"}, expected_version=None)
    with nothing_changes(sr), pytest.raises(PermissionDenied):
        request_assign(sr=sr, actor=user, instructing_service=None)


def test_a_deactivated_service_or_origin_is_given_to_no_request(central):
    from eusp.casework.services.creation import request_create
    from tests.factories import OriginFactory, ServiceRequestFactory

    closed = ServiceFactory(name="Ancienne régie", is_active=False)
    sr = ServiceRequestFactory(created_by=central)
    with pytest.raises(ValidationError) as refused:
        request_assign(sr=sr, actor=central, instructing_service=closed)
    assert refused.value.message_dict["instructing_service"] == [
        "« Ancienne régie » est désactivé : choisissez une entrée active."
    ]
    sr.refresh_from_db()
    assert sr.instructing_service != closed
    retired = OriginFactory(name="Minitel", is_active=False)
    with pytest.raises(ValidationError):
        request_create(actor=central, data={"origin": retired, "subject": "Banc", "location_address": "1 rue A"})
