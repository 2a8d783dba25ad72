from collections import defaultdict
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from eusp.accounts.models import Profile, User
from eusp.casework.models import Answer, EventKind, ReferenceCounter, RequestEvent, ServiceRequest
from eusp.casework.references import format_reference
from eusp.casework.selectors import dashboard_sections
from eusp.casework.services import request_create
from eusp.directory.models import FINISHED_PHASES, Category, Origin, Phase, State

from .test_generate_requests import assert_each_answer_event_has_its_answer, assert_each_reminder_event_has_its_reminder

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_output():
    out = StringIO()
    call_command("load_demo_city", "--requests", "300", "--seed", "7", stdout=out)
    return out.getvalue()


def test_the_three_demo_logins_exist_with_their_profiles(demo_output):
    central, elu, agent = (User.objects.get(username=name) for name in ("central", "elu", "agent"))
    assert (central.profile, central.is_staff, central.is_superuser) == (Profile.CENTRAL, True, True)
    assert (elu.profile, elu.alert_mode) == (Profile.ELECTED, "digest")  # the demo shows the daily digest
    assert (agent.alert_mode, central.alert_mode) == ("immediate", "immediate")
    assert agent.profile == Profile.AGENT
    assert [s.name for s in agent.services.all()] == ["Voirie"]
    assert all(u.check_password("demo") for u in (central, elu, agent))
    out = StringIO()
    call_command("demo_logins", stdout=out)
    for name in ("central", "elu", "agent", "mot de passe : demo"):
        assert name in out.getvalue()


def test_the_town_has_its_staff(demo_output):
    assert User.objects.filter(profile=Profile.CENTRAL).count() == 3
    assert User.objects.filter(profile=Profile.ELECTED).count() == 5
    agents = User.objects.filter(profile=Profile.AGENT)
    assert agents.count() >= 5
    assert any(a.services.count() == 2 for a in agents)
    # Two élus delegated to a quartier, shown in Administration › Utilisateurs.
    delegated = User.objects.filter(districts__name="Gare").values_list("username", flat=True)
    assert list(delegated) == ["pchevalier"]


def test_every_state_is_used(demo_output):
    used = set(ServiceRequest.objects.values_list("state", flat=True).distinct())
    assert used == set(State.objects.filter(is_active=True).values_list("pk", flat=True))


def test_references_follow_creation_order_per_year_without_gaps(demo_output):
    ordered = ServiceRequest.objects.order_by("created_at", "pk")
    rows = list(ordered.values_list("reference", "year", "number", "created_at"))
    assert len(rows) == 300
    assert len({r[0] for r in rows}) == 300
    numbers = defaultdict(list)
    for reference, year, number, created_at in rows:
        assert year == timezone.localtime(created_at).year
        assert reference == format_reference(year, number)
        numbers[year].append(number)
    for year, sequence in numbers.items():
        assert sequence == list(range(1, len(sequence) + 1)), year
    assert dict(ReferenceCounter.objects.values_list("year", "last_number")) == {y: len(s) for y, s in numbers.items()}


def test_timelines_start_with_creation_and_are_chronological(demo_output):
    created = dict(ServiceRequest.objects.values_list("pk", "created_at"))
    timelines = defaultdict(list)
    for sr_id, kind, at in RequestEvent.objects.order_by("pk").values_list("service_request", "kind", "created_at"):
        timelines[sr_id].append((kind, at))
    assert timelines.keys() == created.keys()
    now = timezone.now()
    for sr_id, events in timelines.items():
        assert events[0] == (EventKind.CREATED, created[sr_id])
        times = [at for _, at in events]
        assert times == sorted(times)
        assert times[-1] <= now
        assert [kind for kind, _ in events].count(EventKind.CREATED) == 1


def test_archived_requests_are_finished_and_dated(demo_output):
    archived = ServiceRequest.objects.filter(is_archived=True).select_related("state")
    assert archived.count() > 30
    for sr in archived:
        assert sr.state.phase in FINISHED_PHASES
        assert sr.closed_at is not None
        assert sr.archived_at is not None and sr.archived_at >= sr.closed_at
    finished = ServiceRequest.objects.filter(state__phase__in=FINISHED_PHASES)
    assert not finished.filter(closed_at__isnull=True).exists()
    assert not ServiceRequest.objects.exclude(state__phase__in=FINISHED_PHASES).filter(is_archived=True).exists()


def test_instructed_requests_carry_feasibility_and_due_date(demo_output):
    instructed = ServiceRequest.objects.exclude(feasibility="")
    assert instructed.count() > 200
    assert not instructed.filter(due_on__isnull=True).exists()
    assert not instructed.filter(expected_delay_days__isnull=True).exists()


def test_answers_and_reminders_have_their_rows(demo_output):
    """The sheet's « Réponses à l'usager » and reminders panels show what the timeline says was done."""
    assert assert_each_answer_event_has_its_answer() > 100
    assert assert_each_reminder_event_has_its_reminder() > 5
    # Acknowledgements answer requests still being handled, too.
    assert Answer.objects.exclude(service_request__state__phase__in=FINISHED_PHASES).exists()


def test_the_central_dashboard_asks_to_answer_only_done_requests_without_an_answer(demo_output):
    central = User.objects.get(username="central")
    section = next(s for s in dashboard_sections(user=central, limit=1000) if s["key"] == "to_answer")
    done = ServiceRequest.objects.filter(is_archived=False, state__phase=Phase.DONE)
    unanswered = set(done.filter(answers__isnull=True).values_list("pk", flat=True))
    assert 0 < len(unanswered) < done.count() / 2  # most done requests were answered
    assert section["count"] == len(unanswered)
    assert {sr.pk for sr in section["rows"]} == unanswered


def test_if_empty_does_nothing_on_a_second_run(demo_output):
    counts = (ServiceRequest.objects.count(), RequestEvent.objects.count(), User.objects.count())
    out = StringIO()
    call_command("load_demo_city", "--if-empty", stdout=out)
    assert "non chargée" in out.getvalue()
    assert (ServiceRequest.objects.count(), RequestEvent.objects.count(), User.objects.count()) == counts


def test_if_empty_loads_when_only_a_superuser_exists():
    User.objects.create_superuser("admin", "admin@example.test", "x" * 16)
    call_command("load_demo_city", "--if-empty", "--requests", "20", stdout=StringIO())
    assert ServiceRequest.objects.count() == 20


def test_interactive_creation_continues_the_sequence(demo_output):
    year = timezone.localdate().year
    last = ReferenceCounter.objects.get(year=year).last_number
    sr = request_create(
        actor=User.objects.get(username="central"),
        data={
            "origin": Origin.objects.first(),
            "received_on": timezone.localdate(),
            "category": Category.objects.first(),
            "subject": "Nouvelle demande",
        },
    )
    assert sr.reference == format_reference(year, last + 1)


def test_demo_logins_hides_a_changed_password(demo_output):
    elu = User.objects.get(username="elu")
    elu.set_password("un-autre-mot-de-passe")
    elu.save()
    out = StringIO()
    call_command("demo_logins", stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("e-USP : http")
    assert any(line.strip().startswith("central") for line in lines)
    assert not any(line.strip().startswith("elu") for line in lines)


def test_demo_logins_prints_no_password_without_demo_accounts():
    out = StringIO()
    call_command("demo_logins", stdout=out)
    assert "mot de passe" not in out.getvalue()


def test_finished_requests_carry_what_the_services_would_have_set(demo_output):
    from eusp.directory.models import Phase

    done = ServiceRequest.objects.filter(state__phase=Phase.DONE)
    closed = ServiceRequest.objects.filter(state__phase=Phase.CLOSED)
    assert done.exists() and closed.exists()
    assert not done.filter(done_on__isnull=True).exists()
    assert not closed.filter(closing_reason="").exists()
    assert not ServiceRequest.objects.exclude(state__phase=Phase.DONE).filter(done_on__isnull=False).exists()


def test_demo_logins_says_where_mail_goes(settings, tmp_path):
    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    settings.EMAIL_FILE_PATH = tmp_path / "mail"
    out = StringIO()
    call_command("demo_logins", stdout=out)
    assert f"ils sont écrits dans {tmp_path / 'mail'}/" in out.getvalue()
    settings.EMAIL_BACKEND, settings.EMAIL_HOST, settings.EMAIL_PORT = (
        "django.core.mail.backends.smtp.EmailBackend", "smtp.ville.fr", 587,
    )  # fmt: skip
    out = StringIO()
    call_command("demo_logins", stdout=out)
    assert "envoyés par le serveur SMTP smtp.ville.fr:587" in out.getvalue()
