"""/administration/donnees-personnelles/: the retention rule at a glance, a requester found
by e-mail, name or phone, their data exported (right of access) and erased — by the
central service only, audited, and never a 500 whatever is posted."""

import html
import json

import pytest
from django.utils import timezone

from eusp.administration.models import AdminChange
from eusp.casework.models import EventKind, RequestEvent, ServiceRequest
from eusp.casework.services.anonymisation import retention_apply
from eusp.casework.tests.privacy_data import (
    JEANNE_TRACES,
    PAUL,
    archive,
    everything_held,
    full_request,
    requester_request,
    traces_in,
)
from eusp.core.city_settings import city_settings
from eusp.core.models import JobRun

pytestmark = pytest.mark.django_db

HOME = "/administration/donnees-personnelles/"
EXPORT = "/administration/donnees-personnelles/exporter/"
ERASE = "/administration/donnees-personnelles/effacer/"
Action = AdminChange.Action


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def jeanne(central):
    """Jeanne's requests: one archived long ago, one live with everything; Paul's one."""
    old = archive(requester_request(central, subject="Lampadaire éteint"), central, months=10)
    live = full_request(central, subject="Nid de poule devant l'école")
    paul = full_request(central, PAUL, subject="Banc cassé")
    return old, live, paul


def search(client, **data):
    return client.post(HOME, data)


def text(response) -> str:
    """The page as read (entities decoded: « l'e-mail », not « l&#x27;e-mail »)."""
    return html.unescape(response.content.decode())


def row_state(*requests) -> list:
    return [everything_held(sr) for sr in requests]


# --- Access -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "method, url, data",
    [
        ("get", HOME, {}),
        ("post", HOME, {"email": "jeanne.durand@example.org"}),
        ("post", EXPORT, {"format": "json"}),
        ("post", EXPORT, {"format": "html"}),
        ("post", ERASE, {}),
        ("post", ERASE, {"confirm": "1", "confirmation": "EFFACER"}),
    ],
)
@pytest.mark.parametrize("who", ["elected", "agent"])
def test_only_the_central_service_gets_in(client, request, jeanne, who, method, url, data):
    ids = [sr.pk for sr in jeanne]
    before = row_state(*jeanne)
    client.force_login(request.getfixturevalue(who))
    response = getattr(client, method)(url, {**data, "requests": ids} if method == "post" else data)
    assert response.status_code == 403
    assert row_state(*jeanne) == before
    assert not AdminChange.objects.exists()


@pytest.mark.parametrize("url", [HOME, EXPORT, ERASE])
def test_anonymous_users_are_sent_to_the_login_page(client, url):
    response = client.post(url, {"email": "jeanne.durand@example.org"})
    assert response.status_code == 302 and response["Location"].startswith("/connexion/")


@pytest.mark.parametrize("url", [EXPORT, ERASE])
def test_actions_are_posts(client, central, url):
    client.force_login(central)
    assert client.get(url).status_code == 405


# --- The retention rule at a glance -------------------------------------------------------


def test_the_page_shows_the_period_what_is_due_and_the_last_run(client, central):
    for _ in range(2):
        archive(requester_request(central), central, months=40)
    archive(requester_request(central), central, months=2)
    row = city_settings()
    row.retention_months = 24
    row.save()
    client.force_login(central)

    page = text(client.get(HOME))
    assert "anonymisées 24 mois après l'archivage" in page
    assert "2 demandes archivées avant le" in page
    assert "aucun pour l'instant" in page
    assert "no-store" in client.get(HOME)["Cache-Control"]

    run = JobRun.objects.create(job="retention", day=timezone.localdate(), outcome="OperationalError: locked")
    page = text(client.get(HOME))
    assert "non terminé</span> (OperationalError: locked)" in page

    JobRun.objects.filter(pk=run.pk).update(finished_at=timezone.now(), outcome="2 request(s) anonymised")
    retention_apply()
    page = text(client.get(HOME))
    assert "2 demandes archivées" not in page
    assert " – terminé" in page
    assert "Demandes anonymisées : 2" in page


# --- Finding a requester ------------------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        {"email": "Jeanne.Durand@example.org"},
        {"last_name": "durand"},
        {"last_name": "DURAND", "first_name": "jeanne"},
        {"last_name": "Inconnu", "phone": "+33 6 12 34 56 78"},
    ],
)
def test_a_requester_is_found_by_email_name_or_phone(client, central, jeanne, data):
    old, live, paul = jeanne
    client.force_login(central)
    response = search(client, **data)
    page = text(response)
    assert response.status_code == 200
    assert "2 demandes trouvées" in page
    assert old.reference in page and live.reference in page
    assert paul.reference not in page
    assert f'name="requests" value="{old.pk}"' in page


def test_accents_are_folded_and_the_first_name_narrows(client, central, jeanne):
    paul = jeanne[2]
    client.force_login(central)
    assert paul.reference in text(search(client, last_name="LEFEVRE"))
    page = text(search(client, last_name="Lefèvre", first_name="Pierre"))
    assert paul.reference not in page and "Aucune demande ne correspond" in page


def test_a_prefix_is_not_the_person(client, central, jeanne):
    client.force_login(central)
    assert "Aucune demande ne correspond" in text(search(client, last_name="Dur"))
    assert "Aucune demande ne correspond" in text(search(client, email="durand@example.org"))


def test_the_page_lists_what_is_held(client, central, jeanne):
    client.force_login(central)
    page = text(search(client, email="jeanne.durand@example.org"))
    assert "nom, adresse, téléphone, e-mail, 1 réponse, 1 courriel, 1 pièce jointe" in page


@pytest.mark.parametrize(
    "data, message",
    [
        ({}, "Indiquez l'e-mail ou le nom du demandeur."),
        ({"first_name": "Jeanne", "phone": "0612345678"}, "Indiquez l'e-mail ou le nom du demandeur."),
        ({"email": "pas-une-adresse"}, "Saisissez une adresse de courriel valide."),
        ({"last_name": "x" * 5000}, "Assurez-vous que cette valeur comporte au plus 120 caractères"),
        ({"last_name": "'; DROP TABLE casework_servicerequest; --"}, "Aucune demande ne correspond"),
        ({"last_name": "%_%"}, "Aucune demande ne correspond"),
        ({"last_name": "le", "phone": "+"}, "Aucune demande ne correspond"),
    ],
)
def test_bad_searches_get_a_message(client, central, jeanne, data, message):
    client.force_login(central)
    response = search(client, **data)
    assert response.status_code == 200
    assert message in text(response)


# --- Right of access ----------------------------------------------------------------------


def test_the_export_holds_everything_about_the_person_and_nothing_else(client, central, jeanne):
    old, live, paul = jeanne
    client.force_login(central)
    response = client.post(EXPORT, {"requests": [old.pk, live.pk], "format": "json"})

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert response["Content-Disposition"].startswith('attachment; filename="donnees-personnelles-')
    data = json.loads(response.content)
    assert data["identity"] == {
        "names": ["Jeanne Durand"],
        "addresses": ["12 rue des Lilas, 45000 Valmont-sur-Loire"],
        "emails": ["jeanne.durand@example.org"],
        "phones": ["06 12 34 56 78"],
    }
    exported = {item["reference"]: item for item in data["requests"]}
    assert set(exported) == {old.reference, live.reference}
    item = exported[live.reference]
    assert item["subject"] == "Nid de poule devant l'école"
    assert item["received_on"] == live.received_on.isoformat()
    assert item["created_at"].startswith(timezone.localtime(live.created_at).isoformat()[:19])
    assert item["requester"]["email"] == "jeanne.durand@example.org"
    assert item["requester_history"][0]["before"] == "ancien.jeanne.durand@example.org"
    assert item["answers"][0]["text"] == "Bonjour Madame Jeanne Durand, les travaux au 12 rue des Lilas sont prévus."
    assert item["mail"][0]["to"] == "jeanne.durand@example.org"
    assert "Jeanne Durand" in item["mail"][0]["text"]
    assert item["attachments"][0]["name"] == "courrier-Durand.png"
    assert item["location"]["district"] == str(live.district)
    # Nothing of Paul, nor of the staff's mail.
    content = response.content.decode()
    assert "Lefèvre" not in content and "paul" not in content.lower() and paul.reference not in content
    assert "Nouvelle demande" not in content

    audits = AdminChange.objects.filter(action=Action.ACCESS_EXPORT)
    assert sorted(audits.values_list("target_id", flat=True)) == sorted([str(old.pk), str(live.pk)])
    assert all(change.actor == central for change in audits)
    assert traces_in(" ".join(audits.values_list("note", flat=True))) == []


def test_the_printable_export_shows_the_same_data(client, central, jeanne):
    live = jeanne[1]
    client.force_login(central)
    response = client.post(EXPORT, {"requests": [live.pk], "format": "html"})
    page = text(response)
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    assert "Données personnelles détenues" in page
    assert "Jeanne Durand" in page and "jeanne.durand@example.org" in page and live.reference in page
    assert "les travaux au 12 rue des Lilas sont prévus" in page
    assert f"<dt>Reçue le</dt><dd>{live.received_on:%d/%m/%Y}</dd>" in page
    assert "Lefèvre" not in page
    assert AdminChange.objects.get(action=Action.ACCESS_EXPORT).note.endswith("Page imprimable.")


# --- Erasure ------------------------------------------------------------------------------


def test_erasure_asks_for_confirmation_listing_what_goes(client, central, jeanne):
    old, live, paul = jeanne
    before = row_state(*jeanne)
    client.force_login(central)
    response = client.post(ERASE, {"requests": [old.pk, live.pk]})
    page = text(response)
    assert response.status_code == 200
    assert "2 demandes concernées" in page
    assert old.reference in page and live.reference in page and paul.reference not in page
    assert "1 réponse, 1 courriel, 1 pièce jointe" in page
    assert f'type="hidden" name="requests" value="{live.pk}"' in page
    assert row_state(*jeanne) == before
    assert not AdminChange.objects.exists()


@pytest.mark.parametrize("word", ["", "effacer ?", "OUI"])
def test_erasure_without_the_confirmation_word_changes_nothing(client, central, jeanne, word):
    before = row_state(*jeanne)
    client.force_login(central)
    response = client.post(ERASE, {"requests": [jeanne[1].pk], "confirm": "1", "confirmation": word})
    assert response.status_code == 200
    assert "Saisissez le mot EFFACER pour confirmer" in text(response)
    assert row_state(*jeanne) == before


def test_erasure_anonymises_the_chosen_requests_and_is_audited(client, central, jeanne):
    old, live, paul = jeanne
    paul_before = everything_held(paul)
    client.force_login(central)
    response = client.post(
        ERASE,
        {"requests": [old.pk, live.pk], "confirm": "1", "confirmation": " effacer ", "reason": "Courrier du 12/03"},
        follow=True,
    )

    assert response.redirect_chain[-1][0] == HOME
    assert "Données personnelles effacées : 2 demandes, 1 réponse, 1 courriel, 1 pièce jointe." in text(response)
    for sr in (old, live):
        assert traces_in(everything_held(sr)) == []
        event = RequestEvent.objects.filter(service_request=sr).last()
        assert event.kind == EventKind.ANONYMISED and event.actor == central
        assert event.note.startswith("Données personnelles du demandeur effacées")
    assert everything_held(paul) == paul_before
    audits = AdminChange.objects.filter(action=Action.ERASED)
    assert sorted(audits.values_list("target_id", flat=True)) == sorted([str(old.pk), str(live.pk)])
    assert all(change.actor == central and "Courrier du 12/03" in change.note for change in audits)
    assert traces_in(" ".join(audits.values_list("note", flat=True)), JEANNE_TRACES) == []
    # The person is no longer found.
    page = text(search(client, email="jeanne.durand@example.org"))
    assert "Aucune demande ne correspond" in page


def test_erasing_again_says_nothing_was_left(client, central, jeanne):
    client.force_login(central)
    data = {"requests": [jeanne[0].pk], "confirm": "1", "confirmation": "EFFACER"}
    client.post(ERASE, data)
    response = client.post(ERASE, data, follow=True)
    assert "ne détenaient plus de données personnelles" in text(response)
    assert AdminChange.objects.filter(action=Action.ERASED).count() == 1


@pytest.mark.parametrize("url", [EXPORT, ERASE])
@pytest.mark.parametrize(
    "requests",
    [[], ["abc"], ["99999999"], ["99999999999999999999999"], ["-1"], ["1.5"], [""], ["1e3"], ["²"], ["١٢"]],
)
def test_crafted_selections_get_a_message_never_a_500(client, central, jeanne, url, requests):
    before = row_state(*jeanne)
    client.force_login(central)
    response = client.post(url, {"requests": requests, "confirm": "1", "confirmation": "EFFACER"}, follow=True)
    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == HOME
    page = text(response)
    assert "Cochez au moins une demande." in page or "n'existe pas ou plus" in page
    assert row_state(*jeanne) == before
    assert not AdminChange.objects.exists()


def test_too_many_requests_at_once_are_refused(client, central, jeanne):
    client.force_login(central)
    response = client.post(ERASE, {"requests": [jeanne[0].pk] * 501}, follow=True)
    assert "Pas plus de 500 demandes à la fois." in text(response)
    assert ServiceRequest.objects.get(pk=jeanne[0].pk).requester_last_name == "Durand"


def test_an_export_or_an_erasure_costs_the_same_queries_for_3_or_20_requests(central):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from eusp.casework.services.anonymisation import Reason, requests_anonymise
    from eusp.casework.services.requester_data import requester_access_export
    from tests.factories import ServiceRequestFactory

    def queries(count: int, run) -> int:
        batch = [ServiceRequestFactory(created_by=central, requester_email="paul@example.org") for _ in range(count)]
        with CaptureQueriesContext(connection) as captured:
            run(ServiceRequest.objects.filter(pk__in=[sr.pk for sr in batch]))
        return len(captured)

    def export(requests):
        requester_access_export(requests, actor=central)

    def erase(requests):
        requests_anonymise(requests, actor=central, reason=Reason.ERASURE)

    for run in (export, erase):
        assert queries(3, run) == queries(20, run), run.__name__
    assert AdminChange.objects.filter(action=AdminChange.Action.ERASED).count() == 3 + 20


def test_a_phone_stored_the_international_way_is_found_by_its_national_form(client, central, jeanne):
    old, live, paul = jeanne
    ServiceRequest.objects.filter(pk=live.pk).update(requester_phone="+33 6 12 34 56 78")
    client.force_login(central)
    page = text(search(client, last_name="Inconnu", phone="06 12 34 56 78"))
    assert old.reference in page and live.reference in page
    assert paul.reference not in page
