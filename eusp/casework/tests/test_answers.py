"""Answers to the citizen: placeholders, the rules, the timeline, the e-mail really
sent (to an SMTP server on loopback), the form and the printable letter."""

import datetime
import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.template.loader import render_to_string
from django.utils import timezone, translation

from eusp.casework.models import Answer, AnswerChannel, EventKind, ServiceRequest
from eusp.casework.services import answer_placeholders, answer_render, request_answer
from eusp.casework.views.answers import answers_panel_context
from eusp.directory.models import AnswerTemplate, District, Origin, Priority, State
from eusp.directory.seed import ANSWER_TEMPLATES, seed_answer_templates, seed_reference_data
from eusp.notifications.delivery import outbox_flush
from eusp.notifications.models import OutboxMessage
from eusp.notifications.outbox import outbox_resend
from tests.factories import AgentFactory, CentralFactory, ServiceFactory, ServiceRequestFactory

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


def _request(central, **kwargs) -> ServiceRequest:
    defaults = {
        "created_by": central,
        "requester_civility": "mme",
        "requester_first_name": "Jeanne",
        "requester_last_name": "Durand",
        "requester_address": "12 rue des Lilas",
        "requester_postcode": "45000",
        "requester_city": "Valmont-sur-Loire",
        "requester_email": "jeanne.durand@example.org",
    }
    return ServiceRequestFactory(**{**defaults, **kwargs})


def _duplicate_of(original: ServiceRequest, central, **kwargs) -> ServiceRequest:
    duplicate = _request(central, **kwargs)
    # Marking as a duplicate is another service's business: only the link matters here.
    ServiceRequest.objects.filter(pk=duplicate.pk).update(duplicate_of=original)
    return duplicate


def _answer(sr, actor, **kwargs) -> list[Answer]:
    params = {"channel": AnswerChannel.LETTER, "text": "Bonjour {civilite}.", "answered_on": TODAY()}
    return request_answer(sr=sr, actor=actor, **{**params, **kwargs})


# --- Placeholders -------------------------------------------------------------------------


def test_every_placeholder_is_filled_in_french(central, voirie):
    espaces_verts = ServiceFactory(name="Espaces verts")
    received = datetime.date(2026, 3, 2)
    sr = _request(
        central,
        received_on=received,
        subject="Lampadaire éteint",
        location_address="Place du Marché",
        district=District.objects.create(name="Centre-ville"),
        instructing_service=voirie,
        executing_service=espaces_verts,
        due_on=datetime.date(2026, 4, 15),
    )
    values = answer_placeholders(sr)
    assert values == {
        "civilite": "Madame",
        "prenom": "Jeanne",
        "nom": "Durand",
        "demandeur": "Madame Jeanne Durand",
        "reference": sr.reference,
        "objet": "Lampadaire éteint",
        "adresse": "Place du Marché",
        "quartier": "Centre-ville",
        "date_reception": "02/03/2026",
        "date_saisie": timezone.localdate(sr.created_at).strftime("%d/%m/%Y"),
        "date_jour": TODAY().strftime("%d/%m/%Y"),
        "service_instructeur": "Voirie",
        "service_execution": "Espaces verts",
        "echeance": "15/04/2026",
        "ville": "Ville de Valmont-sur-Loire",
    }
    text = " | ".join(f"{{{name}}}" for name in values)
    assert answer_render(text, sr) == " | ".join(values.values())


def test_the_requester_address_stands_in_for_the_place_and_unknown_civility_is_madame_monsieur(central):
    sr = _request(central, requester_civility="", location_address="", district=None, due_on=None)
    rendered = answer_render("{civilite}, {demandeur} – {adresse} – [{quartier}] [{echeance}]", sr)
    assert rendered == "Madame, Monsieur, Jeanne Durand – 12 rue des Lilas – [] []"


def test_placeholders_are_in_the_citys_language_whatever_the_writers(central):
    sr = _request(central, requester_civility="m")
    with translation.override("en"):
        assert answer_render("{civilite}", sr) == "Monsieur"


def test_unknown_placeholders_and_stray_braces_are_left_as_typed(central):
    sr = _request(central)
    text = "{inconnu} {NOM} { nom } {0} {} {{nom}} { } {nom"
    assert answer_render(text, sr) == "{inconnu} {NOM} { nom } {0} {} {Durand} { } {nom"


def test_braces_in_the_citizens_text_are_kept_and_never_filled_in(central):
    sr = _request(central, subject="Tag « {nom} » sur le mur {", requester_last_name="Du{0}rand")
    assert answer_render("{objet} / {nom}", sr) == "Tag « {nom} » sur le mur { / Du{0}rand"


def test_the_seeded_templates_leave_no_placeholder_unfilled(central, voirie):
    assert list(AnswerTemplate.objects.values_list("name", flat=True)) == [name for name, *_ in ANSWER_TEMPLATES]
    sr = _request(central, instructing_service=voirie, executing_service=voirie)
    for template in AnswerTemplate.objects.all():
        for text in (template.subject, template.body):
            assert not re.search(r"\{[a-z_]+\}", answer_render(text, sr)), template.name
    seed_answer_templates(AnswerTemplate)  # idempotent, like the migration
    assert AnswerTemplate.objects.count() == len(ANSWER_TEMPLATES)


# --- Rules --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"text": "  \n "}, "text", "Saisissez le texte de la réponse."),
        ({"answered_on": TODAY() + datetime.timedelta(days=1)}, "answered_on", "ne peut pas être dans le futur"),
        ({"answered_on": TODAY() - datetime.timedelta(days=30)}, "answered_on", "ne peut pas précéder la réception"),
        ({"answered_on": None}, "answered_on", "Indiquez la date de la réponse."),
        ({"channel": "pigeon"}, "channel", "Choisissez le canal"),
        ({"subject": "x" * 201}, "subject", "200 caractères"),
    ],
)
def test_a_refused_answer_leaves_no_answer_and_no_event(central, overrides, field, message):
    sr = _request(central)
    with pytest.raises(ValidationError) as refused:
        _answer(sr, central, **overrides)
    assert message in " ".join(refused.value.message_dict[field])
    assert not Answer.objects.exists()
    assert list(sr.events.values_list("kind", flat=True)) == [EventKind.CREATED]


@pytest.mark.parametrize("email", ["", "   "])
def test_an_email_answer_needs_the_requesters_email_first(central, email):
    sr = _request(central)
    ServiceRequest.objects.filter(pk=sr.pk).update(requester_email=email)  # blanks: an import, not the form
    sr.refresh_from_db()
    with pytest.raises(ValidationError) as refused:
        _answer(sr, central, channel=AnswerChannel.EMAIL)
    assert "renseignez d'abord son e-mail" in refused.value.message_dict["channel"][0]
    assert not Answer.objects.exists()
    assert sr.events.count() == 1


@pytest.mark.parametrize("profile", ["agent", "elected"])
def test_only_the_central_service_answers(request, central, voirie, profile):
    user = request.getfixturevalue(profile)
    sr = _request(central, instructing_service=voirie, referent_official=user if profile == "elected" else None)
    with pytest.raises(PermissionDenied):
        _answer(sr, user)
    assert not Answer.objects.exists()


def test_an_answer_is_recorded_and_appended_to_the_timeline(central):
    sr = _request(central)
    answered_on = TODAY() - datetime.timedelta(days=1)
    [answer] = _answer(
        sr, central, text="  {civilite},\nVotre demande {reference} est close.  ", answered_on=answered_on
    )
    assert answer.service_request == sr
    assert answer.author == central
    assert answer.text == f"Madame,\nVotre demande {sr.reference} est close."
    assert answer.subject == f"Votre demande {sr.reference}"
    assert answer.delivery_status == Answer.DeliveryStatus.NOT_APPLICABLE
    assert answer.recipient_email == ""
    event = sr.events.get(kind=EventKind.ANSWER)
    assert event.actor == central
    assert event.note == answer.text
    assert event.changes["channel"]["after"] == "Courrier"
    assert event.changes["answered_on"]["after"] == answered_on.strftime("%d/%m/%Y")
    assert not event.is_internal


def test_a_phone_answer_has_no_default_subject(central):
    [answer] = _answer(sr=_request(central), actor=central, channel=AnswerChannel.PHONE, text="Rappelée ce jour.")
    assert answer.subject == ""


def test_duplicates_are_answered_too_each_with_its_own_requester(central):
    sr = _request(central)
    twin = _duplicate_of(sr, central, requester_first_name="Paul", requester_last_name="Martin", requester_civility="m")
    answers = _answer(sr, central, text="{demandeur} : {reference}", include_duplicates=True)
    assert [a.service_request for a in answers] == [sr, twin]
    assert answers[0].text == f"Madame Jeanne Durand : {sr.reference}"
    assert answers[1].text == f"Monsieur Paul Martin : {twin.reference}"
    assert sr.events.get(kind=EventKind.ANSWER).changes["answered_duplicates"]["after"] == twin.reference
    assert twin.events.get(kind=EventKind.ANSWER).changes["answered_with"]["after"] == sr.reference


def test_the_answer_events_show_on_the_follow_up_sheet(client, central, django_capture_on_commit_callbacks):
    sr = _request(central)
    unreachable = _duplicate_of(sr, central, requester_email="")
    reached = _duplicate_of(sr, central)
    with django_capture_on_commit_callbacks():
        _answer(sr, central, channel=AnswerChannel.EMAIL, text="Réparé.", include_duplicates=True)
    client.force_login(central)
    sheet = client.get(sr.get_absolute_url()).content.decode()
    assert "Doublons sans e-mail, non répondus" in sheet
    assert unreachable.reference in sheet
    twin_sheet = client.get(reached.get_absolute_url()).content.decode()
    assert "Réponse commune avec" in twin_sheet
    assert "Réparé." in twin_sheet


def test_duplicates_are_left_alone_unless_asked(central):
    sr = _request(central)
    twin = _duplicate_of(sr, central)
    assert len(_answer(sr, central)) == 1
    assert not twin.answers.exists()


def test_an_email_answer_skips_duplicates_without_email_and_says_so(central, django_capture_on_commit_callbacks):
    sr = _request(central)
    reachable = _duplicate_of(sr, central, requester_email="paul@example.org")
    unreachable = _duplicate_of(sr, central, requester_email="")
    with django_capture_on_commit_callbacks():
        answers = _answer(sr, central, channel=AnswerChannel.EMAIL, include_duplicates=True)
    assert [a.service_request for a in answers] == [sr, reachable]
    assert not unreachable.answers.exists()
    changes = sr.events.get(kind=EventKind.ANSWER).changes
    assert changes["duplicates_without_email"]["after"] == unreachable.reference


# --- E-mail, through a real SMTP server -----------------------------------------------------


def _to_requester(smtp_server) -> list:
    """The mail to the requester (creating the request alerted its services too)."""
    return [m for m in smtp_server.messages if m.rcpt_tos == ["jeanne.durand@example.org"]]


def test_an_email_answer_is_really_sent_after_the_commit(
    central, smtp_server, settings, django_capture_on_commit_callbacks
):
    settings.DEFAULT_FROM_EMAIL = "Mairie <ne-pas-repondre@valmont.test>"
    sr = _request(central)
    with django_capture_on_commit_callbacks() as callbacks:
        [answer] = _answer(sr, central, channel=AnswerChannel.EMAIL, text="Madame,\nC'est réparé.")
        assert answer.delivery_status == Answer.DeliveryStatus.PENDING
    # Nothing leaves before the commit, so a rolled-back answer sends nothing.
    assert smtp_server.messages == []
    for callback in callbacks:
        callback()  # the outbox asks the worker (here, at once) to deliver
    [mail] = _to_requester(smtp_server)
    assert mail.rcpt_tos == ["jeanne.durand@example.org"]
    assert mail.message["To"] == "jeanne.durand@example.org"
    assert mail.message["From"] == "Mairie <ne-pas-repondre@valmont.test>"
    assert mail.message["Subject"] == f"Votre demande {sr.reference}"
    assert mail.body.startswith("Madame,\nC'est réparé.\n")
    assert sr.reference in mail.body
    answer.refresh_from_db()
    assert answer.delivery_status == Answer.DeliveryStatus.SENT
    assert (answer.outbox_message.kind, answer.outbox_message.to) == ("answer", "jeanne.durand@example.org")
    assert answer.outbox_message.service_request == sr


def test_a_custom_subject_is_kept_and_filled_in(central, smtp_server, django_capture_on_commit_callbacks):
    sr = _request(central)
    with django_capture_on_commit_callbacks(execute=True):
        _answer(sr, central, channel=AnswerChannel.EMAIL, subject="Suite à votre signalement {reference}")
    assert _to_requester(smtp_server)[0].message["Subject"] == f"Suite à votre signalement {sr.reference}"


def test_a_subject_is_sent_on_one_line_whatever_the_citizen_typed(
    central, smtp_server, django_capture_on_commit_callbacks
):
    sr = _request(central, subject="Trou\r\nBcc: victime@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        [answer] = _answer(sr, central, channel=AnswerChannel.EMAIL, subject="Re : {objet}")
    assert answer.subject == "Re : Trou Bcc: victime@example.org"
    [mail] = _to_requester(smtp_server)
    assert mail.message["Subject"] == "Re : Trou Bcc: victime@example.org"
    assert Answer.objects.get().delivery_status == Answer.DeliveryStatus.SENT


def test_a_mail_server_down_keeps_the_answer_pending_with_its_error_and_raises_nothing(
    central, smtp_unreachable, django_capture_on_commit_callbacks
):
    sr = _request(central)
    with django_capture_on_commit_callbacks(execute=True):
        [answer] = _answer(sr, central, channel=AnswerChannel.EMAIL)
    answer.refresh_from_db()
    assert answer.delivery_status == Answer.DeliveryStatus.PENDING
    assert "Connection refused" in answer.delivery_error or "Errno" in answer.delivery_error
    assert answer.outbox_message.attempts == 1
    assert sr.events.filter(kind=EventKind.ANSWER).exists()


def test_an_answer_whose_retries_all_fail_shows_failed_and_resending_delivers_it_once(
    central, settings, smtp_server, django_capture_on_commit_callbacks
):
    settings.EUSP_MAIL_MAX_ATTEMPTS = 2
    sr = _request(central)
    server_port = settings.EMAIL_PORT
    settings.EMAIL_PORT = 9  # discard port: nothing listens on loopback
    with django_capture_on_commit_callbacks(execute=True):
        [answer] = _answer(sr, central, channel=AnswerChannel.EMAIL)
    OutboxMessage.objects.update(next_attempt_at=timezone.now())
    outbox_flush()
    answer.refresh_from_db()
    assert answer.delivery_status == Answer.DeliveryStatus.FAILED
    settings.EMAIL_PORT = server_port
    with django_capture_on_commit_callbacks(execute=True):
        outbox_resend(answer.outbox_message)
    outbox_flush()
    answer.refresh_from_db()
    assert (answer.delivery_status, answer.delivery_error) == (Answer.DeliveryStatus.SENT, "")
    assert len(_to_requester(smtp_server)) == 1


# --- Pages ---------------------------------------------------------------------------------


def _create_url(sr) -> str:
    return f"/demandes/{sr.reference}/reponses/nouvelle/"


def _post_data(**overrides) -> dict:
    data = {"channel": "letter", "subject": "", "text": "Madame,\nC'est fait.", "answered_on": TODAY().isoformat()}
    return {**data, **overrides}


def test_the_answer_form_offers_the_templates_and_todays_date(client, central):
    sr = _request(central)
    client.force_login(central)
    response = client.get(_create_url(sr))
    body = response.content.decode()
    assert response.status_code == 200
    assert "Accusé de réception" in body
    assert f'value="{TODAY().isoformat()}"' in body
    assert "Appliquer le modèle" in body
    assert "Répondre aussi aux doublons" not in body


def test_the_duplicates_checkbox_shows_only_when_there_are_duplicates(client, central):
    sr = _request(central)
    twin = _duplicate_of(sr, central, requester_email="")
    client.force_login(central)
    body = client.get(_create_url(sr)).content.decode()
    assert "Répondre aussi aux doublons" in body
    assert twin.reference in body


@pytest.mark.parametrize("profile", ["agent", "elected"])
def test_other_profiles_are_forbidden_the_answer_pages(client, request, central, voirie, profile):
    user = request.getfixturevalue(profile)
    sr = _request(central, instructing_service=voirie, referent_official=user if profile == "elected" else None)
    template = AnswerTemplate.objects.first()
    client.force_login(user)
    assert client.get(_create_url(sr)).status_code == 403
    assert client.post(_create_url(sr), _post_data()).status_code == 403
    assert client.get(f"/demandes/{sr.reference}/reponses/modele/?template={template.pk}").status_code == 403
    assert not Answer.objects.exists()


def test_a_request_out_of_sight_is_not_found(client, central):
    sr = _request(central, instructing_service=ServiceFactory(name="Propreté"))
    [answer] = _answer(sr, central)
    client.force_login(AgentFactory(services=[ServiceFactory(name="Éclairage")]))
    assert client.get(_create_url(sr)).status_code == 404
    assert client.get(f"/demandes/{sr.reference}/reponses/{answer.pk}/lettre/").status_code == 404


def test_a_letter_answer_leads_to_the_printable_letter(client, central):
    sr = _request(central)
    client.force_login(central)
    response = client.post(_create_url(sr), _post_data(subject="Réparation de la chaussée"))
    answer = Answer.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/demandes/{sr.reference}/reponses/{answer.pk}/lettre/"
    letter = client.get(response["Location"])
    body = letter.content.decode()
    assert letter.status_code == 200
    assert '<html lang="fr">' in body
    assert "eusp/css/letter.css" in body
    assert "Ville de Valmont-sur-Loire" in body
    assert f"Réf. : {sr.reference}" in body
    assert "Objet : Réparation de la chaussée" in body
    assert "<p>Madame Jeanne Durand<br>12 rue des Lilas<br>45000 Valmont-sur-Loire</p>" in body
    assert "C&#x27;est fait." in body
    assert "Ctrl+P" in body
    assert "La réponse a été enregistrée." in body
    assert "<script" not in body


def test_a_letter_may_be_read_by_whoever_sees_the_request(client, central, agent, voirie):
    sr = _request(central, instructing_service=voirie)
    [answer] = _answer(sr, central)
    client.force_login(agent)
    assert client.get(f"/demandes/{sr.reference}/reponses/{answer.pk}/lettre/").status_code == 200


def test_the_letter_of_another_request_or_of_a_phone_call_is_not_found(client, central):
    sr, other = _request(central), _request(central)
    [foreign] = _answer(other, central)
    [phone] = _answer(sr, central, channel=AnswerChannel.PHONE)
    client.force_login(central)
    assert client.get(f"/demandes/{sr.reference}/reponses/{foreign.pk}/lettre/").status_code == 404
    assert client.get(f"/demandes/{sr.reference}/reponses/{phone.pk}/lettre/").status_code == 404


def test_a_refused_answer_is_shown_again_with_the_reason_in_french(client, central):
    sr = _request(central, requester_email="")
    client.force_login(central)
    response = client.post(_create_url(sr), _post_data(channel="email"))
    assert response.status_code == 400
    assert "renseignez d&#x27;abord son e-mail" in response.content.decode()
    assert not Answer.objects.exists()


def test_an_empty_text_is_refused_by_the_form(client, central):
    sr = _request(central)
    client.force_login(central)
    response = client.post(_create_url(sr), _post_data(text=""))
    assert response.status_code == 400
    assert "La réponse n'a pas été enregistrée" in response.content.decode()


def test_answering_duplicates_from_the_form(client, central):
    sr = _request(central)
    twin = _duplicate_of(sr, central, requester_last_name="Martin")
    client.force_login(central)
    response = client.post(_create_url(sr), _post_data(channel="phone", include_duplicates="on"), follow=True)
    assert twin.answers.get().text == "Madame,\nC'est fait."
    assert twin.reference in response.content.decode()


# --- Templates, with and without htmx ---------------------------------------------------


def _template_url(sr, template) -> str:
    return f"/demandes/{sr.reference}/reponses/modele/?template={template.pk}"


def test_htmx_gets_the_subject_and_text_filled_in_for_this_request(client, central):
    sr = _request(central)
    template = AnswerTemplate.objects.get(name="Accusé de réception")
    client.force_login(central)
    response = client.get(_template_url(sr, template), headers={"HX-Request": "true"})
    body = response.content.decode()
    assert response.status_code == 200
    assert body.lstrip().startswith('<div id="answer-template-fields">')
    assert "<html" not in body
    assert f"Votre demande {sr.reference} : accusé de réception" in body
    assert "Madame," in body
    assert "{reference}" not in body
    assert "HX-Request" in response["Vary"]


def test_without_javascript_the_template_fills_the_whole_form(client, central):
    sr = _request(central)
    template = AnswerTemplate.objects.create(name="Essai", subject="Objet {reference}", body="Bonjour {demandeur}")
    client.force_login(central)
    response = client.get(_template_url(sr, template))
    body = response.content.decode()
    assert response.status_code == 200
    assert "<html" in body
    assert f'value="Objet {sr.reference}"' in body
    assert "Bonjour Madame Jeanne Durand</textarea>" in body
    assert f'<option value="{template.pk}" selected>' in body


def test_with_duplicates_the_template_keeps_its_placeholders(client, central):
    sr = _request(central)
    _duplicate_of(sr, central)
    template = AnswerTemplate.objects.create(name="Essai", subject="", body="Bonjour {demandeur}")
    client.force_login(central)
    body = client.get(_template_url(sr, template), headers={"HX-Request": "true"}).content.decode()
    assert "Bonjour {demandeur}</textarea>" in body


def test_no_template_changes_nothing_and_an_inactive_one_is_not_found(client, central):
    sr = _request(central)
    client.force_login(central)
    url = f"/demandes/{sr.reference}/reponses/modele/?template="
    assert client.get(url, headers={"HX-Request": "true"}).status_code == 204
    assert client.get(url)["Location"] == _create_url(sr)
    inactive = AnswerTemplate.objects.create(name="Ancien", body="…", is_active=False)
    assert client.get(_template_url(sr, inactive), headers={"HX-Request": "true"}).status_code == 404


# --- The list included in the follow-up sheet -----------------------------------------------


def _answers_list(sr, can_answer: bool) -> str:
    context = {"sr": sr, "answers": sr.answers.select_related("author", "outbox_message"), "can_answer": can_answer}
    return render_to_string("casework/includes/_answers.html", context)


def test_the_answers_list_shows_delivery_and_the_error_only_to_the_central_service(central):
    sr = _request(central)
    [letter] = _answer(sr, central)
    Answer.objects.create(
        service_request=sr,
        channel=AnswerChannel.EMAIL,
        answered_on=TODAY(),
        recipient_email="jeanne.durand@example.org",
        text="…",
        author=central,
        outbox_message=OutboxMessage.objects.create(
            kind="answer", to="jeanne.durand@example.org", subject="…", body_text="…", status="failed",
            attempts=8, last_error="Connection refused",
        ),
    )  # fmt: skip
    for_central = _answers_list(sr, can_answer=True)
    assert "Répondre à l'usager</a>" in for_central
    assert f"/demandes/{sr.reference}/reponses/{letter.pk}/lettre/" in for_central
    assert "Échec de l&#x27;envoi" in for_central
    assert "Connection refused" in for_central
    for_others = _answers_list(sr, can_answer=False)
    assert "Échec de l&#x27;envoi" in for_others
    assert "Connection refused" not in for_others
    assert "/reponses/nouvelle/" not in for_others


def test_the_sheet_panel_context_lets_only_the_central_service_answer(central, agent, voirie):
    sr = _request(central, instructing_service=voirie)
    [answer] = _answer(sr, central)
    assert answers_panel_context(central, sr) == {"answers": [answer], "can_answer": True}
    assert answers_panel_context(agent, sr) == {"answers": [answer], "can_answer": False}


def test_the_answers_list_says_when_there_is_none(central):
    assert "Aucune réponse" in _answers_list(_request(central), can_answer=True)


# --- The whole path, committed for real ----------------------------------------------------


@pytest.fixture
def committed(transactional_db):
    """Reference data as the migrations seed it: transactional tests empty the tables."""
    seed_reference_data(Origin, State, Priority)
    seed_answer_templates(AnswerTemplate)
    return CentralFactory(username="central-commit")


@pytest.mark.django_db(transaction=True)
def test_an_email_answer_from_the_form_reaches_the_mail_server(client, committed, smtp_server):
    sr = _request(committed)
    client.force_login(committed)
    response = client.post(_create_url(sr), _post_data(channel="email"), follow=True)
    assert response.redirect_chain == [(sr.get_absolute_url(), 302)]
    assert "La réponse a été envoyée par e-mail à jeanne.durand@example.org." in response.content.decode()
    # The request's creation alerted its services too; the answer is the mail to the requester.
    [mail] = _to_requester(smtp_server)
    assert mail.message["To"] == "jeanne.durand@example.org"
    assert Answer.objects.get().delivery_status == Answer.DeliveryStatus.SENT


@pytest.mark.django_db(transaction=True)
def test_with_the_mail_server_down_the_answer_is_saved_and_the_user_told(client, committed, smtp_unreachable):
    sr = _request(committed)
    client.force_login(committed)
    response = client.post(_create_url(sr), _post_data(channel="email"), follow=True)
    assert response.redirect_chain == [(sr.get_absolute_url(), 302)]
    page = response.content.decode()
    assert "l&#x27;e-mail à jeanne.durand@example.org est en attente d&#x27;envoi" in page
    answer = Answer.objects.get()
    assert answer.delivery_status == Answer.DeliveryStatus.PENDING
    assert answer.delivery_error
    assert "En attente d&#x27;envoi – jeanne.durand@example.org" in page
    assert sr.events.filter(kind=EventKind.ANSWER).count() == 1
