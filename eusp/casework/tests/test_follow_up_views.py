"""The follow-up sheet's actions through HTTP, with and without htmx."""

import html

import pytest

from eusp.casework.models import EventKind, ServiceRequest
from eusp.directory.models import Phase, State
from tests.factories import ServiceRequestFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def sr(central, voirie):
    return ServiceRequestFactory(created_by=central, instructing_service=voirie, executing_service=voirie)


def body(response) -> str:
    return html.unescape(response.content.decode())


def test_each_profile_sees_only_its_actions(client, sr, central, agent, elected):
    client.force_login(central)
    page = body(client.get(sr.get_absolute_url()))
    for title in ("Changer l'état", "Clore la demande", "Relancer un service", "Marquer comme doublon"):
        assert title in page
    assert "Modifier la demande" in page
    client.force_login(agent)
    page = body(client.get(sr.get_absolute_url()))
    assert "Instruction" in page and "Ajouter un commentaire" in page
    assert "Changer l'état" not in page and "Modifier la demande" not in page
    sr.referent_official = elected
    ServiceRequest.objects.filter(pk=sr.pk).update(referent_official=elected)
    client.force_login(elected)
    page = body(client.get(sr.get_absolute_url()))
    assert "Ajouter un commentaire" in page
    assert "Interne (invisible des élus)" not in page
    assert "Changer l'état" not in page


def test_agent_instructs_without_javascript(client, sr, agent):
    client.force_login(agent)
    response = client.post(
        f"/demandes/{sr.reference}/instruction/",
        {"instruction-feasibility": "feasible", "instruction-expected_delay_days": "10", "instruction-note": "OK"},
    )
    assert response.status_code == 302
    sr.refresh_from_db()
    assert sr.feasibility == "feasible" and sr.due_on is not None
    assert sr.state.phase == Phase.IN_PROGRESS
    page = body(client.get(sr.get_absolute_url()))
    assert "L'instruction a été enregistrée." in page


def test_htmx_action_returns_the_sheet_fragment(client, sr, central):
    client.force_login(central)
    response = client.post(
        f"/demandes/{sr.reference}/commentaire/", {"comment-note": "Vu sur place."}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    page = body(response)
    assert page.lstrip().startswith('<article class="follow-up-sheet" id="sheet">')
    assert "Vu sur place." in page and "Le commentaire a été ajouté." in page


def test_a_refused_action_shows_the_french_reason_and_changes_nothing(client, sr, central):
    client.force_login(central)
    events = sr.events.count()
    closed = State.objects.get(label="Sans suite")
    response = client.post(f"/demandes/{sr.reference}/etat/", {"state-state": closed.pk, "state-reason": ""})
    assert response.status_code == 400
    assert "Indiquez le motif du classement sans suite." in body(response)
    sr.refresh_from_db()
    assert sr.state.label == "Nouvelle" and sr.events.count() == events


def test_agent_cannot_post_central_actions(client, sr, agent):
    client.force_login(agent)
    for action, data in (("etat", {}), ("cloture", {}), ("relance", {}), ("archivage", {}), ("doublon", {})):
        assert client.post(f"/demandes/{sr.reference}/{action}/", data).status_code == 403
    assert sr.events.count() == 1


def test_unknown_action_and_get_are_404(client, sr, central):
    client.force_login(central)
    assert client.post(f"/demandes/{sr.reference}/nimporte/").status_code == 404
    assert client.get(f"/demandes/{sr.reference}/etat/").status_code == 404


def test_close_archive_and_reactivate_through_the_sheet(client, sr, central):
    client.force_login(central)
    client.post(f"/demandes/{sr.reference}/cloture/", {"close-outcome": "done"})
    client.post(f"/demandes/{sr.reference}/archivage/", {})
    sr.refresh_from_db()
    assert sr.is_archived
    assert sr.reference in client.get("/archives/").content.decode()
    assert sr.reference not in client.get("/demandes/").content.decode()
    page = body(client.get(sr.get_absolute_url()))
    assert "la fiche est en lecture seule" in page and "Réactiver la demande" in page
    client.post(f"/demandes/{sr.reference}/reactivation/", {"reactivate-note": "Le trou est revenu."})
    sr.refresh_from_db()
    assert not sr.is_archived and sr.state.phase == Phase.OPEN
    assert list(sr.events.values_list("kind", flat=True))[-1] == EventKind.REACTIVATED


def test_mark_duplicate_by_reference(client, sr, central):
    original = ServiceRequestFactory(created_by=central)
    client.force_login(central)
    client.post(f"/demandes/{sr.reference}/doublon/", {"duplicate-original": original.reference})
    sr.refresh_from_db()
    assert sr.duplicate_of == original and sr.state.phase == Phase.CLOSED
    page = body(client.get(original.get_absolute_url()))
    assert sr.reference in page


def test_duplicate_of_an_unknown_reference_is_explained(client, sr, central):
    client.force_login(central)
    response = client.post(f"/demandes/{sr.reference}/doublon/", {"duplicate-original": "2020-99999"})
    assert "Aucune demande 2020-99999." in body(response)
    response = client.post(f"/demandes/{sr.reference}/doublon/", {"duplicate-original": "abc"})
    assert "Saisissez une référence comme 2026-00042." in body(response)


def _edit_data(client, sr) -> dict:
    form = client.get(f"/demandes/{sr.reference}/modifier/").context["form"]
    data = {}
    for bound in form:
        value = bound.value()
        data[bound.html_name] = "" if value is None else value
        initial = form.get_initial_for_field(bound.field, bound.name)
        data[form.add_initial_prefix(bound.name)] = "" if initial is None else getattr(initial, "pk", initial)
    return {k: v for k, v in data.items() if v is not False}


def test_central_edits_a_request_and_the_timeline_says_what_changed(client, sr, central):
    client.force_login(central)
    data = _edit_data(client, sr) | {"subject": "Nid de poule profond"}
    response = client.post(f"/demandes/{sr.reference}/modifier/", data)
    assert response.status_code == 302
    page = body(client.get(sr.get_absolute_url()))
    assert "Nid de poule profond" in page
    assert "objet :" in page


def test_a_request_whose_entries_were_deactivated_can_still_be_edited(client, sr, central, voirie):
    from eusp.directory.models import Priority

    # Closed since the request came in: they stay on it, but are offered for nothing new.
    for entry in (sr.origin, sr.category, sr.district, voirie, sr.priority):
        type(entry).objects.filter(pk=entry.pk).update(is_active=False)
    Priority.objects.filter(pk=sr.priority_id).update(is_default=False)
    retired_priority = Priority.objects.create(label="Ancienne priorité", is_active=False)
    client.force_login(central)
    form = client.get(f"/demandes/{sr.reference}/modifier/").context["form"]
    assert retired_priority not in form.fields["priority"].queryset  # not offered
    assert sr.origin in form.fields["origin"].queryset  # but the request keeps its own
    data = _edit_data(client, sr) | {"subject": "Nid de poule rebouché"}
    response = client.post(f"/demandes/{sr.reference}/modifier/", data)
    assert response.status_code == 302, body(response)
    sr.refresh_from_db()
    assert sr.subject == "Nid de poule rebouché"
    assert (sr.instructing_service, sr.executing_service) == (voirie, voirie)


def test_second_editor_is_told_and_nothing_is_overwritten(client, sr, central):
    from django.test import Client

    other = Client()
    other.force_login(central)
    client.force_login(central)
    mine = _edit_data(client, sr) | {"subject": "Ma version"}
    theirs = _edit_data(other, sr) | {"subject": "Leur version"}
    assert other.post(f"/demandes/{sr.reference}/modifier/", theirs).status_code == 302
    response = client.post(f"/demandes/{sr.reference}/modifier/", mine)
    assert response.status_code == 409
    page = body(response)
    assert "Quelqu'un a enregistré cette demande pendant que vous la modifiiez" in page
    assert "Leur version" in page  # what is saved now, shown to the second editor
    sr.refresh_from_db()
    assert sr.subject == "Leur version"


def test_edit_page_is_central_only(client, sr, agent, elected):
    for user in (agent, elected):
        client.force_login(user)
        assert client.get(f"/demandes/{sr.reference}/modifier/").status_code in (403, 404)


def test_work_done_appears_on_the_central_dashboard_until_answered(client, sr, central, agent):
    from eusp.casework.services import request_answer, request_record_execution

    request_record_execution(sr=sr, actor=agent, note="Trou rebouché.", is_done=True)
    client.force_login(central)
    sections = {s["key"]: s for s in client.get("/").context["sections"]}
    assert [r.pk for r in sections["to_answer"]["rows"]] == [sr.pk]
    sr.refresh_from_db()
    request_answer(sr=sr, actor=central, channel="phone", text="Réparé, merci.", answered_on=sr.done_on)
    sections = {s["key"]: s for s in client.get("/").context["sections"]}
    assert sections["to_answer"]["rows"] == []


def test_sheet_action_forms_carry_their_csrf_token(sr, central):
    """Through CSRF checks as a browser meets them: the included forms must carry the token."""
    import re

    from django.test import Client

    browser = Client(enforce_csrf_checks=True)
    browser.force_login(central)
    page = browser.get(sr.get_absolute_url()).content.decode()
    start = page.index('action-form--commentaire"')
    form = page[start : page.index("</form>", start)]
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form).group(1)
    response = browser.post(
        f"/demandes/{sr.reference}/commentaire/", {"csrfmiddlewaretoken": token, "comment-note": "Vu."}
    )
    assert response.status_code == 302


def test_a_reminder_reaches_the_service_by_mail(
    client, sr, central, voirie, smtp_server, django_capture_on_commit_callbacks
):
    client.force_login(central)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/demandes/{sr.reference}/relance/",
            {"reminder-service": voirie.pk, "reminder-message": "Merci de nous tenir informés."},
        )
    assert response.status_code == 302
    # The worker drains the whole outbox: the creation alerts go out too; take the reminder.
    (mail,) = [m for m in smtp_server.messages if str(m.message["Subject"]).strip().startswith("Relance")]
    assert mail.rcpt_tos == [voirie.email]
    assert sr.reference in mail.message["Subject"]
    assert "Merci de nous tenir informés." in mail.body
    assert f"/demandes/{sr.reference}/" in mail.body


def test_a_reminder_is_recorded_even_when_smtp_is_down(
    client, sr, central, voirie, smtp_unreachable, django_capture_on_commit_callbacks
):
    client.force_login(central)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/demandes/{sr.reference}/relance/", {"reminder-service": voirie.pk})
    assert response.status_code == 302
    assert sr.reminders.count() == 1
    from eusp.notifications.models import OutboxMessage

    waiting = OutboxMessage.objects.get(kind=OutboxMessage.Kind.REMINDER)
    assert waiting.status == OutboxMessage.Status.PENDING and waiting.attempts == 1


def test_occasional_actions_start_folded_and_open_when_refused(client, sr, central):
    client.force_login(central)
    page = client.get(sr.get_absolute_url()).content.decode()
    assert '<details class="action-form action-form--relance">' in page
    assert '<details class="action-form action-form--commentaire" open>' in page
    refused = client.post(f"/demandes/{sr.reference}/relance/", {"reminder-service": ""}).content.decode()
    assert '<details class="action-form action-form--relance" open>' in refused
