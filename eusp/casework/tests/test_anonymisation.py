"""RGPD: the retention rule and the erasure of a requester's data — exactly the requests
past the period, every trace of the person gone (row, timeline, answers, mail, files,
word search on both databases), the statistics untouched, the command and the daily job,
old failed logins and old mail purged, and a second run that changes nothing."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt, AccessFailureLog
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from eusp.administration.models import AdminChange
from eusp.casework.models import Answer, Attachment, EventKind, RequestEvent, ServiceRequest
from eusp.casework.permissions import visible_requests
from eusp.casework.search.query import text_filter
from eusp.casework.search.text import query_terms
from eusp.casework.services import anonymisation
from eusp.casework.services.anonymisation import (
    Reason,
    login_records_purge,
    months_before,
    outbox_bodies_purge,
    request_anonymise,
    requests_anonymise,
    retention_apply,
    retention_due,
)
from eusp.core.city_settings import city_settings
from eusp.core.models import JobRun
from eusp.core.schedule import daily_jobs_run
from eusp.notifications.models import OutboxMessage
from eusp.reporting.statistics.selectors import grouped_counts

from .privacy_data import PAUL, archive, everything_held, full_request, requester_request, traces_in

pytestmark = pytest.mark.django_db

Status = OutboxMessage.Status


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def stored_files(root) -> list:
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


def found(central, query: str) -> list[str]:
    """References the word search finds for the central service (archives included)."""
    qs = text_filter(visible_requests(central), query_terms(query), user=central)
    return sorted(qs.values_list("reference", flat=True))


def anonymised(sr: ServiceRequest) -> bool:
    return ServiceRequest.objects.get(pk=sr.pk).anonymised_at is not None


# --- Which requests -----------------------------------------------------------------------


def test_retention_anonymises_exactly_the_requests_archived_longer_than_the_period(central):
    months = city_settings().retention_months
    assert months == 36
    just_past = archive(requester_request(central), central, months=months, days=1)
    long_past = archive(requester_request(central), central, months=months + 20)
    not_yet = archive(requester_request(central), central, months=months, days=-1)
    a_month_short = archive(requester_request(central), central, months=months - 1)
    live = requester_request(central)
    assert set(retention_due()) == {just_past, long_past}

    summary = retention_apply()

    assert summary.startswith("2 request(s) anonymised")
    assert anonymised(just_past) and anonymised(long_past)
    for kept in (not_yet, a_month_short, live):
        row = ServiceRequest.objects.get(pk=kept.pk)
        assert row.anonymised_at is None and row.requester_last_name == "Durand"
    assert not retention_due().exists()


def test_a_request_already_anonymised_is_left_alone(central):
    sr = archive(requester_request(central), central, months=40)
    request_anonymise(sr, actor=central, reason=Reason.ERASURE)
    before = ServiceRequest.objects.get(pk=sr.pk)
    events = RequestEvent.objects.filter(service_request=sr).count()

    assert retention_apply().startswith("0 request(s) anonymised")
    assert ServiceRequest.objects.get(pk=sr.pk).anonymised_at == before.anonymised_at
    assert RequestEvent.objects.filter(service_request=sr).count() == events


def test_data_typed_again_after_an_erasure_is_anonymised_again(central):
    sr = archive(requester_request(central), central, months=40)
    request_anonymise(sr, actor=central, reason=Reason.ERASURE)
    ServiceRequest.objects.filter(pk=sr.pk).update(requester_last_name="Durand")
    assert list(retention_due()) == [sr]
    retention_apply()
    assert ServiceRequest.objects.get(pk=sr.pk).requester_last_name == ""


def test_a_shorter_retention_period_set_by_the_city_applies_at_once(central):
    sr = archive(requester_request(central), central, months=13)
    assert retention_apply().startswith("0 request(s)")
    assert not anonymised(sr)

    row = city_settings()
    row.retention_months = 12
    row.save()

    assert retention_apply().startswith("1 request(s)")
    assert anonymised(sr)
    assert AdminChange.objects.get(action=AdminChange.Action.RETENTION).note.startswith(
        "Durée de conservation : 12 mois."
    )


def test_months_are_counted_on_the_calendar():
    now = timezone.make_aware(timezone.datetime(2026, 3, 31, 10, 0))
    assert months_before(now, 1).date().isoformat() == "2026-02-28"
    assert months_before(now, 36).date().isoformat() == "2023-03-31"
    assert months_before(now, 25).date().isoformat() == "2024-02-29"


# --- What goes, what stays ----------------------------------------------------------------


def test_every_trace_of_the_requester_is_gone(client, central, media, django_capture_on_commit_callbacks):
    sr = full_request(central)
    other = full_request(central, PAUL)
    client.force_login(central)
    assert sr.reference in client.get("/demandes/?q=Durand").content.decode()
    assert set(traces_in(everything_held(sr))) >= {"Durand", "Jeanne", "12 rue des Lilas", "jeanne.durand"}
    assert found(central, "Durand") == [sr.reference]
    assert found(central, "jeanne.durand@example.org") == [sr.reference]
    assert found(central, "0612345678") == [sr.reference]
    assert len(stored_files(media)) == 2

    with django_capture_on_commit_callbacks(execute=True):
        counts = request_anonymise(sr, actor=central, reason=Reason.ERASURE)

    assert (counts.requests, counts.answers, counts.mails, counts.attachments) == (1, 1, 1, 1)
    assert traces_in(everything_held(sr)) == []
    for query in ("Durand", "Jeanne", "jeanne.durand@example.org", "0612345678", "Lilas"):
        assert found(central, query) == [], query
    assert sr.reference not in client.get("/demandes/?q=Durand").content.decode()
    sheet = client.get(sr.get_absolute_url()).content.decode()
    assert traces_in(sheet) == []
    assert "Données personnelles du demandeur effacées" in sheet
    # The other requester keeps everything.
    assert found(central, "Lefèvre") == [other.reference]
    assert "Lefèvre" in everything_held(other)
    assert len(stored_files(media)) == 1


def test_the_records_keep_their_shape_with_a_notice(central):
    sr = full_request(central)
    request_anonymise(sr, actor=central, reason=Reason.ERASURE)

    answer = Answer.objects.get(service_request=sr)
    assert answer.channel == "email" and answer.author == central and answer.answered_on == timezone.localdate()
    assert answer.recipient_email == "" and answer.subject == ""
    assert answer.text == "Texte de la réponse effacé avec les données personnelles du demandeur."
    edit = RequestEvent.objects.get(service_request=sr, kind=EventKind.EDITED)
    assert edit.changes["requester_email"]["before"] == "(effacé)"
    assert edit.changes["requester_email"]["after"] == "(effacé)"
    assert RequestEvent.objects.get(service_request=sr, kind=EventKind.ATTACHMENT).note.startswith(
        "Pièce jointe supprimée"
    )
    assert RequestEvent.objects.get(service_request=sr, kind=EventKind.COMMENT).note == (
        "Chaussée à reprendre sur deux mètres."
    )
    assert not Attachment.objects.filter(service_request=sr).exists()
    last = RequestEvent.objects.filter(service_request=sr).last()
    assert last.kind == EventKind.ANONYMISED and last.actor == central
    assert last.note == "Données personnelles du demandeur effacées : à la demande de la personne concernée."
    # The staff's notes stay findable.
    assert found(central, "chaussee reprendre") == [sr.reference]


def test_mail_to_the_requester_loses_its_address_staff_mail_keeps_its_recipient(central, voirie, agent):
    sr = full_request(central, instructing_service=voirie)
    staff = OutboxMessage.objects.get(service_request=sr, recipient=agent)
    assert "12 rue des Lilas" in staff.body_text

    request_anonymise(sr, actor=central, reason=Reason.ERASURE)

    to_requester = OutboxMessage.objects.get(service_request=sr, kind=OutboxMessage.Kind.ANSWER)
    assert to_requester.to == "" and to_requester.status == Status.SENT and to_requester.sent_at
    assert "Durand" not in to_requester.subject + to_requester.body_text + to_requester.body_html
    staff.refresh_from_db()
    assert staff.to == agent.email and staff.recipient == agent and staff.subject.startswith("Nouvelle demande")
    assert "Lilas" not in staff.body_text + staff.body_html


def test_an_answer_mail_not_sent_yet_is_cancelled(central):
    sr = requester_request(central)
    from eusp.casework.services import request_answer

    request_answer(sr=sr, actor=central, channel="email", text="Bonjour {nom}", answered_on=timezone.localdate())
    request_anonymise(sr, actor=central, reason=Reason.ERASURE)
    message = OutboxMessage.objects.get(service_request=sr, kind=OutboxMessage.Kind.ANSWER)
    assert message.status == Status.CANCELLED and message.to == ""


@pytest.mark.parametrize(
    "location, kept",
    [
        ("", False),  # the problem was at the requester's address
        ("12, Rue des lilas", False),  # the same address typed again
        ("Parking de la gare", True),  # a place of its own
    ],
)
def test_the_place_goes_only_when_it_is_the_requesters_home(central, location, kept):
    sr = requester_request(central, location_address=location, latitude="47.901234", longitude="1.904321")
    district = sr.district
    request_anonymise(sr, actor=central, reason=Reason.RETENTION)
    row = ServiceRequest.objects.get(pk=sr.pk)
    assert row.district == district
    if kept:
        assert row.location_address == location and row.latitude is not None
    else:
        assert row.location_address == "" and row.latitude is None and row.longitude is None


def test_statistics_are_the_same_before_and_after(central, voirie):
    requests = [full_request(central, instructing_service=voirie) for _ in range(2)]
    requests.append(requester_request(central, location_address="Place de la mairie"))
    for sr in requests[:2]:
        archive(sr, central, months=40)
    columns = (
        "district_id",
        "category_id",
        "origin_id",
        "instructing_service_id",
        "executing_service_id",
        "referent_official_id",
        "priority_id",
        "received_on",
        "is_archived",
        "due_on",
        "done_on",
        "closed_at",
        "archived_at",
        "first_instructed_on",
        "first_answered_on",
        "subject",
        "description",
        "reference",
        "created_at",
    )

    def figures():
        qs = ServiceRequest.objects.all()
        return (
            sorted(grouped_counts(qs, *columns), key=str),
            list(qs.order_by("pk").values(*columns)),
            sorted(RequestEvent.objects.exclude(kind=EventKind.ANONYMISED).values_list("kind", "created_at")),
            sorted(Answer.objects.values_list("channel", "answered_on", "author_id")),
        )

    before = figures()
    assert retention_apply().startswith("2 request(s) anonymised")
    assert figures() == before


# --- Batches, the command, the daily job ----------------------------------------------------


def test_batches_cost_the_same_queries_whatever_their_size(central, monkeypatch):
    small = [archive(full_request(central), central, months=40) for _ in range(2)]
    large = [archive(full_request(central), central, months=40) for _ in range(5)]

    def queries(requests) -> int:
        with CaptureQueriesContext(connection) as context:
            counts = requests_anonymise(
                ServiceRequest.objects.filter(pk__in=[sr.pk for sr in requests]), actor=None, reason=Reason.RETENTION
            )
        assert counts.requests == len(requests)
        return len(context.captured_queries)

    assert queries(small) == queries(large)


def test_requests_are_anonymised_chunk_by_chunk(central, monkeypatch):
    monkeypatch.setattr(anonymisation, "CHUNK", 2)
    requests = [archive(requester_request(central), central, months=40) for _ in range(5)]
    assert requests_anonymise(retention_due(), actor=None, reason=Reason.RETENTION).requests == 5
    assert all(anonymised(sr) for sr in requests)
    assert RequestEvent.objects.filter(kind=EventKind.ANONYMISED).count() == 5


def test_a_second_run_changes_nothing_and_records_nothing(central):
    sr = archive(full_request(central), central, months=40)
    retention_apply()
    assert AdminChange.objects.filter(action=AdminChange.Action.RETENTION).count() == 1
    held = everything_held(sr)

    assert retention_apply() == "0 request(s) anonymised, 0 login record(s) deleted, 0 old mail(s) purged"
    assert everything_held(sr) == held
    assert AdminChange.objects.filter(action=AdminChange.Action.RETENTION).count() == 1


def test_the_retention_run_is_audited_without_any_personal_data(central):
    sr = archive(full_request(central), central, months=40)
    retention_apply()
    change = AdminChange.objects.get(action=AdminChange.Action.RETENTION)
    assert change.actor is None
    assert "Demandes anonymisées : 1 (1 réponses, 1 pièces jointes)" in change.note
    assert traces_in(change.note + change.target_label) == []
    event = RequestEvent.objects.filter(service_request=sr).last()
    assert event.kind == EventKind.ANONYMISED and event.actor is None
    assert event.note == "Données personnelles du demandeur effacées : durée de conservation écoulée."
    # Retention writes one summary, not a row per request.
    assert not AdminChange.objects.filter(action=AdminChange.Action.ERASED).exists()


def test_the_command_dry_run_counts_and_changes_nothing(central, capsys):
    sr = archive(requester_request(central), central, months=40)
    call_command("apply_retention", "--dry-run")
    out = capsys.readouterr().out
    assert out.startswith("1 demande(s) à anonymiser") and "36 mois" in out
    assert not anonymised(sr)
    assert not AdminChange.objects.exists()


def test_the_command_applies_the_rule(central, capsys):
    sr = archive(requester_request(central), central, months=40)
    call_command("apply_retention")
    assert capsys.readouterr().out.startswith("1 request(s) anonymised")
    assert anonymised(sr)


def test_the_worker_runs_it_every_night(central):
    sr = archive(requester_request(central), central, months=40)
    night = timezone.localtime().replace(hour=2, minute=30)
    assert "retention" in daily_jobs_run(now=night, worker_id="w1")
    assert anonymised(sr)
    run = JobRun.objects.get(job="retention")
    assert run.finished_at and run.outcome.startswith("1 request(s) anonymised")


# --- Purges -----------------------------------------------------------------------------------


def test_failed_logins_older_than_90_days_are_deleted(db):
    def attempt(model, username: str, days: int, **fields):
        row = model.objects.create(username=username, ip_address="192.0.2.1", user_agent="test", **fields)
        model.objects.filter(pk=row.pk).update(attempt_time=timezone.now() - timedelta(days=days))
        return row

    old = attempt(AccessAttempt, "old", 91, failures_since_start=3, get_data="", post_data="")
    recent = attempt(AccessAttempt, "recent", 89, failures_since_start=1, get_data="", post_data="")
    old_log = attempt(AccessFailureLog, "old", 120)
    recent_log = attempt(AccessFailureLog, "recent", 2)

    assert login_records_purge() == 2
    assert list(AccessAttempt.objects.all()) == [recent]
    assert list(AccessFailureLog.objects.all()) == [recent_log]
    assert not AccessAttempt.objects.filter(pk=old.pk).exists()
    assert not AccessFailureLog.objects.filter(pk=old_log.pk).exists()
    assert retention_apply() == "0 request(s) anonymised, 0 login record(s) deleted, 0 old mail(s) purged"


def test_old_mail_loses_its_content_and_the_requesters_address(central, agent):
    def mail(to: str, days: int, status=Status.SENT, **fields) -> OutboxMessage:
        return OutboxMessage.objects.create(
            to=to,
            subject=f"Votre demande, {to}",
            body_text=f"Bonjour Jeanne Durand ({to})",
            body_html="<p>Bonjour Jeanne Durand</p>",
            status=status,
            created_at=months_before(timezone.now(), 36) - timedelta(days=days),
            sent_at=timezone.now(),
            **fields,
        )

    to_requester = mail("jeanne.durand@example.org", 1, kind=OutboxMessage.Kind.ANSWER)
    to_staff = mail(agent.email, 1, kind=OutboxMessage.Kind.ALERT, recipient=agent)
    failed = mail("x@example.org", 30, status=Status.FAILED, kind=OutboxMessage.Kind.ANSWER)
    recent = mail("paul@example.org", -1, kind=OutboxMessage.Kind.ANSWER)
    waiting = mail("waiting@example.org", 10, status=Status.PENDING, kind=OutboxMessage.Kind.ANSWER)

    assert outbox_bodies_purge() == 3

    for message in (to_requester, to_staff, failed):
        message.refresh_from_db()
        assert "Durand" not in message.subject + message.body_text + message.body_html
        assert message.subject == "Contenu effacé (protection des données personnelles)."
    assert to_requester.to == "" and to_requester.status == Status.SENT and to_requester.sent_at
    assert to_staff.to == agent.email and to_staff.recipient == agent
    assert failed.to == "" and failed.status == Status.FAILED
    for untouched in (recent, waiting):
        untouched.refresh_from_db()
        assert "Jeanne Durand" in untouched.body_text and untouched.to
    assert outbox_bodies_purge() == 0
