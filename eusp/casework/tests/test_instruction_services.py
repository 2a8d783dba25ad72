"""What the services write on a request (``services/instruction.py``, ``services/reminders.py``):
instruction, execution, comments and reminders — who may, what the timeline says,
and what is refused without touching anything."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from eusp.casework.models import EventKind, Reminder
from eusp.casework.services import (
    reminders_per_service,
    request_archive,
    request_change_state,
    request_close,
    request_comment,
    request_instruct,
    request_record_execution,
    request_remind,
)
from eusp.core.working_days import add_working_days
from tests.factories import AgentFactory, ElectedFactory, ServiceFactory

from .follow_up import kinds, last_event, nothing_changes, reload, request_new, state, timeline, works_agent

pytestmark = pytest.mark.django_db


@pytest.fixture
def sr(central, voirie, elected):
    """Instructed by Voirie (``agent``), carried out by Travaux (``worker``), élu référent ``elected``."""
    return request_new(central, voirie, referent_official=elected)


@pytest.fixture
def worker(sr):
    return works_agent()


def today():
    return timezone.localdate()


# Instruction


def test_a_delay_in_days_counts_working_days_and_takes_the_request_up(sr, agent):
    request_instruct(sr=sr, actor=agent, feasibility="feasible", expected_delay_days=10, note="Enrobé à froid")

    saved = reload(sr)
    due = add_working_days(today(), 10)
    assert (saved.feasibility, saved.expected_delay_days, saved.due_on) == ("feasible", 10, due)
    assert saved.state.label == "En cours"
    instruction, taken_up = timeline(sr)[1:]
    assert (instruction.kind, instruction.actor, instruction.note) == (EventKind.INSTRUCTION, agent, "Enrobé à froid")
    assert not instruction.is_internal
    assert instruction.changes == {
        "feasibility": {"label": "faisabilité", "before": "", "after": "Faisable"},
        "expected_delay_days": {"label": "délai prévu (jours ouvrés)", "before": "", "after": "10"},
        "due_on": {"label": "échéance", "before": "", "after": due.isoformat()},
    }
    assert (taken_up.kind, taken_up.actor) == (EventKind.STATE_CHANGED, agent)
    assert taken_up.changes["state"] == {"label": "état", "before": "Nouvelle", "after": "En cours"}


def test_an_explicit_due_date_wins_over_the_delay(sr, agent):
    due = today() + datetime.timedelta(days=3)
    request_instruct(sr=sr, actor=agent, feasibility="feasible", expected_delay_days=10, due_on=due)
    assert reload(sr).due_on == due


def test_not_feasible_leaves_the_request_new(sr, agent):
    request_instruct(sr=sr, actor=agent, feasibility="not_feasible", note="Terrain privé")

    assert reload(sr).state.label == "Nouvelle"
    assert kinds(sr) == [EventKind.CREATED, EventKind.INSTRUCTION]
    assert last_event(sr).changes["feasibility"]["after"] == "Non faisable"


def test_a_new_instruction_shows_what_it_replaces(sr, agent):
    request_instruct(sr=sr, actor=agent, feasibility="to_study", estimated_cost=Decimal("1200.50"))

    request_instruct(
        sr=sr, actor=agent, feasibility="feasible", estimated_cost=Decimal("900"), multi_year_budget=True,
        budget_year=today().year + 1,
    )  # fmt: skip

    saved = reload(sr)
    assert (saved.estimated_cost, saved.multi_year_budget, saved.budget_year) == (
        Decimal("900"),
        True,
        today().year + 1,
    )
    assert saved.state.label == "En cours"  # taken up by the first instruction, not moved again
    event = timeline(sr)[-1]
    assert event.kind == EventKind.INSTRUCTION
    assert event.changes == {
        "feasibility": {"label": "faisabilité", "before": "À étudier", "after": "Faisable"},
        "estimated_cost": {"label": "coût estimé (€)", "before": "1200.50", "after": "900"},
        "multi_year_budget": {"label": "budget pluriannuel", "before": "Non", "after": "Oui"},
        "budget_year": {"label": "année budgétaire", "before": "", "after": str(today().year + 1)},
    }


def test_a_waiting_request_stays_in_its_state(sr, central, agent):
    request_change_state(sr=sr, actor=central, state=state("À suivre"))
    request_instruct(sr=sr, actor=agent, feasibility="feasible")
    assert reload(sr).state.label == "À suivre"


def test_a_budget_year_without_multi_year_budget_is_not_kept(sr, agent):
    request_instruct(sr=sr, actor=agent, feasibility="feasible", budget_year=today().year)
    assert reload(sr).budget_year is None


def test_an_internal_instruction_is_marked_internal(sr, agent):
    request_instruct(sr=sr, actor=agent, feasibility="to_study", note="Devis à demander", is_internal=True)
    event = timeline(sr)[1]
    assert (event.kind, event.is_internal) == (EventKind.INSTRUCTION, True)


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"feasibility": ""}, "feasibility"),
        ({"feasibility": "peut-être"}, "feasibility"),
        ({"due_on": datetime.date(2000, 1, 1)}, "due_on"),
        ({"due_on": "yesterday"}, "due_on"),
        ({"multi_year_budget": True}, "budget_year"),
        ({"multi_year_budget": True, "budget_year": "last"}, "budget_year"),
        ({"multi_year_budget": True, "budget_year": "last_year"}, "budget_year"),
        ({"multi_year_budget": True, "budget_year": "in_eleven_years"}, "budget_year"),
        ({"estimated_cost": Decimal("-0.01")}, "estimated_cost"),
        ({"estimated_cost": Decimal("NaN")}, "estimated_cost"),
        ({"estimated_cost": Decimal("1e12")}, "estimated_cost"),
        ({"expected_delay_days": -1}, "expected_delay_days"),
        ({"expected_delay_days": 100_000}, "expected_delay_days"),
    ],
)
def test_instruction_refusals_change_nothing(sr, agent, values, field):
    relative = {
        "yesterday": today() - datetime.timedelta(days=1),
        "last": 0,
        "last_year": today().year - 1,
        "in_eleven_years": today().year + 11,
    }
    values = {key: relative.get(value, value) if isinstance(value, str) else value for key, value in values.items()}
    values.setdefault("feasibility", "feasible")
    with nothing_changes(sr), pytest.raises(ValidationError) as refused:
        request_instruct(sr=sr, actor=agent, **values)
    assert field in refused.value.message_dict


def test_a_due_date_today_is_accepted(sr, agent):
    request_instruct(sr=sr, actor=agent, feasibility="feasible", due_on=today())
    assert reload(sr).due_on == today()


def test_only_the_instructing_service_instructs(sr, agent, worker, elected):
    outsider = AgentFactory(username="agent-propreté", services=[ServiceFactory(name="Propreté")])
    for user in (worker, elected, outsider):
        with nothing_changes(sr), pytest.raises(PermissionDenied):
            request_instruct(sr=sr, actor=user, feasibility="feasible")
    request_instruct(sr=sr, actor=agent, feasibility="feasible")


@pytest.mark.parametrize("done", [True, False])
def test_a_closed_request_is_not_instructed(sr, central, agent, done):
    request_close(sr=sr, actor=central, done=done, reason="Hors compétence")
    with nothing_changes(sr), pytest.raises(ValidationError) as refused:
        request_instruct(sr=sr, actor=agent, feasibility="feasible")
    assert "close" in refused.value.messages[0]


# Execution


def test_a_progress_note_is_on_the_timeline(sr, worker):
    request_record_execution(sr=sr, actor=worker, note="  Matériaux commandés  ", is_internal=True)

    saved = reload(sr)
    assert (saved.state.label, saved.done_on, saved.closed_at) == ("Nouvelle", None, None)
    event = last_event(sr)
    assert (event.kind, event.actor, event.note, event.changes) == (
        EventKind.EXECUTION,
        worker,
        "Matériaux commandés",
        {},
    )
    assert event.is_internal


@pytest.mark.parametrize("note", ["", " \n "])
def test_a_progress_note_needs_text(sr, worker, note):
    with nothing_changes(sr), pytest.raises(ValidationError) as refused:
        request_record_execution(sr=sr, actor=worker, note=note)
    assert refused.value.message_dict == {"note": ["Décrivez l'avancement des travaux."]}


def test_work_done_closes_the_request_as_done_today(sr, worker):
    request_record_execution(sr=sr, actor=worker, note="", is_done=True)

    saved = reload(sr)
    assert (saved.state.label, saved.done_on) == ("Réalisée", today())
    assert saved.closed_at is not None
    execution, closed = timeline(sr)[1:]
    assert (execution.kind, execution.actor) == (EventKind.EXECUTION, worker)
    assert execution.changes == {"done_on": {"label": "réalisée le", "before": "", "after": today().isoformat()}}
    assert (closed.kind, closed.actor) == (EventKind.CLOSED, worker)
    assert closed.changes["state"] == {"label": "état", "before": "Nouvelle", "after": "Réalisée"}


def test_work_done_on_an_earlier_day(sr, worker):
    day = sr.received_on
    request_record_execution(sr=sr, actor=worker, note="Rebouché", is_done=True, done_on=day)
    assert reload(sr).done_on == day
    assert timeline(sr)[1].changes["done_on"]["after"] == day.isoformat()


def test_work_done_before_the_request_was_received_is_refused(sr, worker):
    with nothing_changes(sr), pytest.raises(ValidationError) as refused:
        request_record_execution(
            sr=sr, actor=worker, note="Rebouché", is_done=True, done_on=sr.received_on - datetime.timedelta(days=1)
        )
    assert "done_on" in refused.value.message_dict


def test_work_done_in_the_future_is_refused(sr, worker):
    with nothing_changes(sr), pytest.raises(ValidationError) as refused:
        request_record_execution(
            sr=sr, actor=worker, note="Prévu", is_done=True, done_on=today() + datetime.timedelta(days=1)
        )
    assert "done_on" in refused.value.message_dict


def test_only_the_executing_service_records_execution(sr, agent, worker, elected):
    for user in (agent, elected):
        with nothing_changes(sr), pytest.raises(PermissionDenied):
            request_record_execution(sr=sr, actor=user, note="Fait", is_done=True)
    request_record_execution(sr=sr, actor=worker, note="Fait", is_done=True)


def test_a_closed_request_gets_no_execution(sr, central, worker):
    request_close(sr=sr, actor=central, done=False, reason="Doublon")
    with nothing_changes(sr), pytest.raises(ValidationError):
        request_record_execution(sr=sr, actor=worker, note="Fait quand même")


# Comments


@pytest.mark.parametrize("note", ["", "   "])
def test_an_empty_comment_is_refused(sr, central, note):
    with nothing_changes(sr), pytest.raises(ValidationError) as refused:
        request_comment(sr=sr, actor=central, note=note)
    assert refused.value.message_dict == {"note": ["Le commentaire est vide."]}


def test_an_elected_official_comments(sr, elected):
    request_comment(sr=sr, actor=elected, note=" Le riverain a rappelé. ")
    event = last_event(sr)
    assert (event.kind, event.actor, event.note, event.is_internal) == (
        EventKind.COMMENT,
        elected,
        "Le riverain a rappelé.",
        False,
    )


def test_an_elected_official_cannot_write_an_internal_comment(sr, elected):
    with nothing_changes(sr), pytest.raises(ValidationError) as refused:
        request_comment(sr=sr, actor=elected, note="Entre nous", is_internal=True)
    assert "is_internal" in refused.value.message_dict


def test_an_agent_writes_an_internal_comment(sr, agent):
    request_comment(sr=sr, actor=agent, note="Voir avec le concessionnaire", is_internal=True)
    event = last_event(sr)
    assert (event.kind, event.actor, event.is_internal) == (EventKind.COMMENT, agent, True)


def test_whoever_does_not_see_the_request_cannot_comment(sr):
    for user in (ElectedFactory(username="elu-autre"), AgentFactory(username="agent-sans-service")):
        with nothing_changes(sr), pytest.raises(PermissionDenied):
            request_comment(sr=sr, actor=user, note="Bonjour")


# Reminders


def test_the_central_service_reminds_a_service(sr, central, voirie):
    reminder = request_remind(sr=sr, actor=central, service=voirie, message="  Merci de nous donner un délai.  ")

    assert Reminder.objects.get() == reminder
    assert (reminder.service, reminder.sent_by, reminder.message, reminder.is_automatic) == (
        voirie,
        central,
        "Merci de nous donner un délai.",
        False,
    )
    event = last_event(sr)
    assert (event.kind, event.actor, event.note) == (EventKind.REMINDER, central, "Merci de nous donner un délai.")
    assert event.changes == {"service": {"label": "service relancé", "before": "", "after": "Voirie"}}


def test_an_automatic_reminder_has_no_author(sr, voirie):
    reminder = request_remind(sr=sr, actor=None, service=voirie)
    assert reminder.is_automatic
    assert reminder.sent_by is None
    assert (last_event(sr).kind, last_event(sr).actor) == (EventKind.REMINDER, None)


def test_only_the_central_service_reminds(sr, agent, elected, voirie):
    for user in (agent, elected):
        with nothing_changes(sr), pytest.raises(PermissionDenied):
            request_remind(sr=sr, actor=user, service=voirie)


def test_only_a_service_of_the_request_is_reminded(sr, central):
    with nothing_changes(sr), pytest.raises(ValidationError) as refused:
        request_remind(sr=sr, actor=central, service=ServiceFactory(name="Propreté"))
    assert "service" in refused.value.message_dict


@pytest.mark.parametrize("archive", [False, True])
def test_a_closed_request_is_not_reminded(sr, central, voirie, archive):
    request_close(sr=sr, actor=central, done=True)
    if archive:
        request_archive(sr=sr, actor=central)
    with nothing_changes(sr), pytest.raises(ValidationError):
        request_remind(sr=sr, actor=central, service=voirie)


def test_reminders_are_counted_per_service_with_the_last_date(sr, central, voirie):
    works = sr.executing_service
    first = request_remind(sr=sr, actor=central, service=voirie)
    to_works = request_remind(sr=sr, actor=None, service=works)
    Reminder.objects.filter(pk=first.pk).update(sent_at=first.sent_at - datetime.timedelta(days=7))
    second = request_remind(sr=sr, actor=central, service=voirie)

    assert reminders_per_service(sr) == [
        {"service__name": "Travaux", "count": 1, "last": to_works.sent_at},
        {"service__name": "Voirie", "count": 2, "last": second.sent_at},
    ]


def test_a_request_never_reminded_has_no_reminder_rows(sr):
    assert reminders_per_service(sr) == []
