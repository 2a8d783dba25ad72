from collections import defaultdict
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from eusp.accounts.models import User
from eusp.casework.demo.generator import RequestGenerator
from eusp.casework.models import (
    Answer,
    AnswerChannel,
    EventKind,
    ReferenceCounter,
    Reminder,
    RequestEvent,
    ServiceRequest,
)
from eusp.casework.references import format_reference
from eusp.casework.services import request_create
from eusp.directory.models import ACTIVE_PHASES, Category, Origin

pytestmark = pytest.mark.django_db


def generate(count: int, seed: int, *extra: str) -> str:
    out = StringIO()
    call_command("generate_requests", "--count", str(count), "--batch", "200", "--seed", str(seed), *extra, stdout=out)
    return out.getvalue()


def create_one() -> ServiceRequest:
    return request_create(
        actor=User.objects.get(username="central"),
        data={
            "origin": Origin.objects.first(),
            "received_on": timezone.localdate(),
            "category": Category.objects.first(),
            "subject": "Créée à la main",
        },
    )


@pytest.mark.parametrize("method", ["auto", "orm"])
def test_generated_requests_coexist_with_interactive_ones(method):
    output = generate(500, 1, "--method", method)
    assert "Terminé : 500 demandes" in output
    assert User.objects.filter(username="central").exists()  # empty database: the demo city's staff was created
    manual = create_one()
    generate(500, 2, "--method", method)

    assert ServiceRequest.objects.count() == 1001
    references = list(ServiceRequest.objects.values_list("reference", "year", "number"))
    assert len({r for r, _, _ in references}) == 1001
    numbers = defaultdict(list)
    for reference, year, number in references:
        assert reference == format_reference(year, number)
        numbers[year].append(number)
    for sequence in numbers.values():  # every number handed out once, none skipped
        assert sorted(sequence) == list(range(1, len(sequence) + 1))
    assert dict(ReferenceCounter.objects.values_list("year", "last_number")) == {y: len(s) for y, s in numbers.items()}
    assert manual.number in numbers[manual.year]


def test_each_generated_request_has_a_short_chronological_timeline():
    generate(300, 3)
    requests = {
        pk: (created_at, version)
        for pk, created_at, version in ServiceRequest.objects.values_list("pk", "created_at", "version")
    }
    timelines = defaultdict(list)
    for sr_id, kind, at in RequestEvent.objects.order_by("pk").values_list("service_request", "kind", "created_at"):
        timelines[sr_id].append((kind, at))
    assert timelines.keys() == requests.keys()
    assert {len(events) for events in timelines.values()} <= {2, 3, 4, 5}
    for sr_id, events in timelines.items():
        created_at, version = requests[sr_id]
        assert events[0] == (EventKind.CREATED, created_at)
        assert [at for _, at in events] == sorted(at for _, at in events)
        assert version == len(events)


def assert_each_answer_event_has_its_answer() -> int:
    """Every ANSWER event has the Answer row ``request_answer`` would have recorded with it, and no more rows.

    The generator answers a request once at most. Returns the number of answers.
    """
    events = list(RequestEvent.objects.filter(kind=EventKind.ANSWER).select_related("service_request"))
    answers = {a.service_request_id: a for a in Answer.objects.all()}
    assert len(answers) == Answer.objects.count() == len(events)
    for event in events:
        sr, answer = event.service_request, answers[event.service_request_id]
        assert answer.answered_on == timezone.localdate(event.created_at)
        assert sr.received_on <= answer.answered_on <= timezone.localdate()
        assert (answer.author_id, answer.created_at, answer.text) == (event.actor_id, event.created_at, event.note)
        expected = {
            "channel": {"label": "Canal", "before": "", "after": answer.get_channel_display()},
            "answered_on": {"label": "Date de la réponse", "before": "", "after": f"{answer.answered_on:%d/%m/%Y}"},
        }
        if answer.channel == AnswerChannel.EMAIL:
            assert sr.requester_email
            assert (answer.recipient_email, answer.delivery_status) == (sr.requester_email, Answer.DeliveryStatus.SENT)
            expected["recipient_email"] = {"label": "Destinataire", "before": "", "after": sr.requester_email}
        else:
            assert answer.channel in (AnswerChannel.LETTER, AnswerChannel.PHONE)
            assert (answer.recipient_email, answer.delivery_status) == ("", "")
        assert event.changes == expected
        assert answer.subject == ("" if answer.channel == AnswerChannel.PHONE else f"Votre demande {sr.reference}")
        assert answer.delivery_error == ""
    return len(answers)


def assert_each_reminder_event_has_its_reminder() -> int:
    """Every REMINDER event has the Reminder row ``request_remind`` would have recorded with it. Returns how many."""
    events = list(RequestEvent.objects.filter(kind=EventKind.REMINDER).select_related("service_request__state"))
    reminders = {(r.service_request_id, r.sent_at): r for r in Reminder.objects.select_related("service")}
    assert len(reminders) == Reminder.objects.count() == len(events)
    for event in events:
        sr, reminder = event.service_request, reminders[event.service_request_id, event.created_at]
        assert event.changes == {"service": {"label": "service relancé", "before": "", "after": reminder.service.name}}
        assert reminder.service_id in (sr.instructing_service_id, sr.executing_service_id)
        assert (reminder.sent_by_id, reminder.message) == (event.actor_id, event.note)
        assert reminder.is_automatic is (event.actor_id is None)
        assert sr.state.phase in ACTIVE_PHASES
    return len(reminders)


@pytest.mark.parametrize("method", ["auto", "orm"])
def test_each_generated_answer_event_has_its_answer_row(method):
    generate(300, 4, "--method", method)
    assert assert_each_answer_event_has_its_answer() > 50
    assert assert_each_reminder_event_has_its_reminder() == 0  # compact mode does not remind
    channels = set(Answer.objects.values_list("channel", flat=True))
    assert channels == {AnswerChannel.EMAIL, AnswerChannel.LETTER, AnswerChannel.PHONE}


def test_detailed_requests_written_by_copy_keep_their_answers_and_reminders():
    if connection.vendor != "postgresql":
        pytest.skip("COPY needs PostgreSQL (set DATABASE_URL); the ORM writer is covered by the demo city's tests")
    call_command("generate_requests", "--count", "1", stdout=StringIO())  # the demo city's reference data and staff
    generator = RequestGenerator(seed=7, detailed=True)
    generator.run(400, batch_size=150, use_copy=True)
    assert assert_each_answer_event_has_its_answer() > 100
    assert assert_each_reminder_event_has_its_reminder() > 5


@pytest.mark.parametrize("method", ["auto", "orm"])
def test_generated_requests_carry_their_notes_for_the_search(method):
    """As event_record would have gathered them, so the search finds generated notes."""
    from eusp.casework.events import search_notes_of

    generate(200, 5, "--method", method)
    notes = defaultdict(list)
    for pk, note, internal in RequestEvent.objects.order_by("created_at", "pk").values_list(
        "service_request", "note", "is_internal"
    ):
        notes[pk].append((note, internal))
    with_notes = 0
    for sr in ServiceRequest.objects.only("search_notes", "search_internal_notes"):
        assert (sr.search_notes, sr.search_internal_notes) == search_notes_of(notes[sr.pk])
        with_notes += bool(sr.search_notes)
    assert with_notes > 50
