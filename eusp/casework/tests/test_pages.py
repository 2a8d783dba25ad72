"""The main pages through the full middleware stack, as each profile sees them."""

import html

import pytest
from django.utils import timezone

from eusp.casework.models import ServiceRequest
from eusp.directory.models import District, Origin
from tests.factories import CategoryFactory, ElectedFactory, ServiceFactory, ServiceRequestFactory

pytestmark = pytest.mark.django_db


def test_anonymous_visitor_is_sent_to_the_french_login_page(client):
    response = client.get("/demandes/")
    assert response.status_code == 302
    assert response["Location"].startswith("/connexion/")
    page = client.get(response["Location"])
    assert "Connexion à e-USP" in page.content.decode()
    assert 'lang="fr"' in page.content.decode()


def test_login_with_wrong_password_says_so_in_french(client, central):
    response = client.post("/connexion/", {"username": "central-test", "password": "faux"})
    assert response.status_code == 200
    assert "Saisissez un nom d’utilisateur et un mot de passe valides" in response.content.decode()


def test_login_lands_on_the_dashboard(client, central):
    response = client.post("/connexion/", {"username": "central-test", "password": "motdepasse-de-test"}, follow=True)
    assert response.redirect_chain[-1][0] == "/"
    assert "Nouvelles demandes à traiter" in response.content.decode()


@pytest.mark.parametrize(
    ("profile", "heading"),
    [
        ("central", "Nouvelles demandes à traiter"),
        ("elected", "Mes demandes en cours"),
        ("agent", "Demandes à instruire ou à exécuter par mes services"),
    ],
)
def test_each_profile_has_its_own_dashboard(client, request, profile, heading):
    client.force_login(request.getfixturevalue(profile))
    body = client.get("/").content.decode()
    assert heading in body
    assert "Demandes en retard" in body
    assert "Dernières demandes" in body


def test_dashboard_shows_late_requests(client, central):
    late = ServiceRequestFactory(created_by=central, due_on=timezone.localdate() - timezone.timedelta(days=3))
    ServiceRequestFactory(created_by=central, due_on=timezone.localdate() + timezone.timedelta(days=3))
    client.force_login(central)
    sections = {s["key"]: s for s in client.get("/").context["sections"]}
    assert sections["late"]["count"] == 1
    assert sections["late"]["rows"] == [late]


def _form_data(**overrides):
    category = CategoryFactory(name="Nid de poule")
    data = {
        "requester_civility": "mme",
        "requester_last_name": "Lefèvre",
        "requester_first_name": "Anne",
        "requester_address": "3 rue des Écoles",
        "requester_email": "anne.lefevre@example.org",
        "origin": Origin.objects.get(name="Courrier").pk,
        "received_on": timezone.localdate().isoformat(),
        "category": category.pk,
        "subject": "Trou sur la chaussée",
        "description": "Devant le n°3.",
        "location_address": "",
        "district": District.objects.create(name="Centre").pk,
    }
    data.update(overrides)
    return data


def test_central_creates_a_request_and_lands_on_its_sheet(client, central):
    client.force_login(central)
    response = client.post("/demandes/nouvelle/", _form_data(), follow=True)
    sr = ServiceRequest.objects.get()
    assert response.redirect_chain[-1][0] == f"/demandes/{sr.reference}/"
    body = response.content.decode()
    assert sr.reference in body
    assert "Trou sur la chaussée" in body
    assert "Création" in body and str(central) in body
    # The category proposed its default services.
    assert sr.instructing_service == sr.category.default_instructing_service


def test_elected_official_is_referent_of_what_they_create_by_default(client, elected):
    client.force_login(elected)
    form = client.get("/demandes/nouvelle/").context["form"]
    assert form["referent_official"].value() == elected.pk


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"subject": ""}, "Ce champ est obligatoire."),
        ({"received_on": "31/02/2026"}, "Saisissez une date valide."),
        ({"received_on": "2999-01-01"}, "La date de réception ne peut pas être dans le futur."),
        ({"requester_address": "", "location_address": ""}, "Indiquez l'adresse du demandeur"),
        ({"origin": "999999"}, "Sélectionnez un choix valide."),
        ({"requester_email": "pas-un-mail"}, "Saisissez une adresse de courriel valide."),
    ],
)
def test_bad_input_is_refused_with_a_french_message_and_nothing_saved(client, central, overrides, message):
    client.force_login(central)
    response = client.post("/demandes/nouvelle/", _form_data(**overrides))
    body = html.unescape(response.content.decode())
    assert response.status_code == 200
    assert message in body
    assert "La demande n'a pas été enregistrée" in body
    assert not ServiceRequest.objects.exists()


def test_category_proposes_its_default_services_through_htmx(client, central):
    roads, works = ServiceFactory(name="Voirie"), ServiceFactory(name="Travaux")
    category = CategoryFactory(default_instructing_service=roads, default_executing_service=works)
    client.force_login(central)
    response = client.get("/demandes/nouvelle/services/", {"category": category.pk}, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert 'id="follow-up-services"' in body
    assert f'<option value="{roads.pk}" selected>' in body
    assert f'<option value="{works.pk}" selected>' in body
    assert "<html" not in body


def test_list_is_newest_first_and_filters_by_query_parameters(client, central):
    north, south = District.objects.create(name="Nord"), District.objects.create(name="Sud")
    older = ServiceRequestFactory(created_by=central, district=north)
    newer = ServiceRequestFactory(created_by=central, district=south)
    client.force_login(central)
    assert list(client.get("/demandes/").context["page"]["rows"]) == [newer, older]
    assert list(client.get("/demandes/", {"district": north.pk}).context["page"]["rows"]) == [older]


def test_list_filter_by_service_matches_instructing_or_executing(client, central):
    parks = ServiceFactory(name="Espaces verts")
    instructed = ServiceRequestFactory(created_by=central, instructing_service=parks)
    executed = ServiceRequestFactory(created_by=central, executing_service=parks)
    ServiceRequestFactory(created_by=central)
    client.force_login(central)
    rows = client.get("/demandes/", {"service": parks.pk}).context["page"]["rows"]
    assert set(rows) == {instructed, executed}


def test_list_filter_by_referent_official(client, central):
    official = ElectedFactory()
    mine = ServiceRequestFactory(created_by=central, referent_official=official)
    ServiceRequestFactory(created_by=central)
    client.force_login(central)
    assert list(client.get("/demandes/", {"referent_official": official.pk}).context["page"]["rows"]) == [mine]


def test_list_with_a_bad_filter_value_is_not_an_error(client, central):
    client.force_login(central)
    response = client.get("/demandes/", {"district": "abc", "page": "9999"})
    assert response.status_code == 200
    assert "Sélectionnez un choix valide" in response.content.decode()


def test_list_paginates_by_fifty(client, central):
    for _ in range(51):
        ServiceRequestFactory(created_by=central)
    client.force_login(central)
    first = client.get("/demandes/")
    assert len(first.context["page"]["rows"]) == 50
    assert "51 demandes" in first.content.decode()
    next_link = first.context["page"]["next"]
    assert next_link.startswith("apres=")
    second = client.get(f"/demandes/?{next_link}")
    assert len(second.context["page"]["rows"]) == 1
    assert second.context["page"]["next"] is None and second.context["page"]["previous"] is not None


def test_htmx_filtering_returns_only_the_results_fragment(client, central):
    ServiceRequestFactory(created_by=central)
    client.force_login(central)
    response = client.get("/demandes/", HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert body.lstrip().startswith('<div id="results"')
    assert "HX-Request" in response["Vary"]


def test_list_query_count_does_not_grow_with_rows(client, central, django_assert_max_num_queries):
    for _ in range(30):
        ServiceRequestFactory(created_by=central)
    client.force_login(central)
    with django_assert_max_num_queries(15):
        client.get("/demandes/")


def test_follow_up_sheet_query_count_is_bounded(client, central, django_assert_max_num_queries):
    """The sheet with its action forms costs the same whatever the length of the timeline."""
    from eusp.casework.services import request_comment

    sr = ServiceRequestFactory(created_by=central)
    client.force_login(central)
    with django_assert_max_num_queries(15) as short:
        client.get(sr.get_absolute_url())
    for n in range(20):
        request_comment(sr=sr, actor=central, note=f"Note {n}")
    with django_assert_max_num_queries(len(short.captured_queries)):
        client.get(sr.get_absolute_url())


def test_english_is_available(client, central):
    client.force_login(central)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    body = client.get("/").content.decode()
    assert 'lang="en"' in body
    assert "Dashboard" in body


def test_language_can_be_chosen_before_logging_in(client):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/connexion/"})
    assert response.status_code == 302
    assert response["Location"] == "/connexion/"
    assert 'lang="en"' in client.get("/connexion/").content.decode()


def test_the_stylesheets_are_served(client):
    for path in ("/static/eusp/css/app.css", "/static/eusp/css/print.css"):
        response = client.get(path)
        assert response.status_code == 200, path


def test_timeline_field_names_follow_the_reader_language(client, central):
    sr = ServiceRequestFactory(created_by=central)
    client.force_login(central)
    assert "service instructeur :" in client.get(sr.get_absolute_url()).content.decode()
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    body = client.get(sr.get_absolute_url()).content.decode()
    assert "instructing service:" in body


def test_french_is_the_default_whatever_the_browser_language(client):
    body = client.get("/connexion/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert 'lang="fr"' in body
    assert "Connexion à e-USP" in body


def test_dashboard_counts_stop_at_a_cap_and_say_so(client, central, monkeypatch):
    from eusp.casework import selectors

    monkeypatch.setattr(selectors, "DASHBOARD_COUNT_CAP", 2)
    for _ in range(3):
        ServiceRequestFactory(created_by=central)
    client.force_login(central)
    body = client.get("/").content.decode()
    assert "(plus de 2)" in body


def test_unknown_page_answers_a_french_404(client, central):
    client.force_login(central)
    response = client.get("/demandes/2026-99999/")
    assert response.status_code == 404
    assert "Page introuvable" in response.content.decode()


def test_forbidden_page_answers_a_french_403(client, agent):
    client.force_login(agent)
    response = client.get("/demandes/nouvelle/")
    assert response.status_code == 403
    assert "Accès refusé" in response.content.decode()


def test_a_city_without_any_open_state_gets_a_message_not_an_error(client, central):
    from eusp.directory.models import State

    State.objects.filter(phase="open").update(is_active=False, is_initial=False)
    client.force_login(central)
    response = client.post("/demandes/nouvelle/", _form_data())
    body = html.unescape(response.content.decode())
    assert response.status_code == 200
    assert "Aucun état actif n'existe pour la phase « Ouverte »." in body
    assert not ServiceRequest.objects.exists()
