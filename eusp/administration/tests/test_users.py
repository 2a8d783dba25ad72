"""/administration/utilisateurs/: the central service lists, creates, edits, deactivates and
reactivates accounts, sends password links and resets two-factor devices; every change is
audited, and nobody else gets in."""

import re
import threading
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from eusp.accounts.models import Profile, User
from eusp.administration.models import AdminChange
from eusp.administration.users.services import (
    user_create,
    user_deactivate,
    user_password_link_send,
    user_reactivate,
    user_two_factor_reset,
    user_update,
)
from eusp.notifications.models import OutboxMessage
from tests.factories import (
    AgentFactory,
    CentralFactory,
    DistrictFactory,
    ElectedFactory,
    ServiceFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

Action = AdminChange.Action
LINK = re.compile(r"https?://\S+/compte/mot-de-passe/\S+/\S+/")
NEW_PASSWORD = "une phrase de passe assez longue"


def text(response) -> str:
    return response.content.decode().replace("&#x27;", "'").replace("&quot;", '"').replace("&#x27;", "'")


def history(user: User, action: str | None = None):
    changes = AdminChange.objects.filter(target_type="accounts.user", target_id=str(user.pk))
    return changes.filter(action=action) if action else changes


def create_data(**overrides) -> dict:
    data = {
        "username": "c.durand",
        "first_name": "Claire",
        "last_name": "Durand",
        "email": "claire.durand@ville.test",
        "profile": Profile.AGENT,
        "services": [],
        "districts": [],
        "phone": "02 41 00 00 00",
        "job_title": "Technicienne voirie",
    }
    data.update(overrides)
    return data


def log_in(client, username, password, ip="10.0.0.7"):
    return client.post("/connexion/", {"username": username, "password": password}, REMOTE_ADDR=ip)


# --- Who gets in ---------------------------------------------------------------------

PAGES = [
    ("get", "/administration/utilisateurs/"),
    ("get", "/administration/utilisateurs/nouveau/"),
    ("post", "/administration/utilisateurs/nouveau/"),
    ("get", "/administration/utilisateurs/{pk}/"),
    ("get", "/administration/utilisateurs/{pk}/modifier/"),
    ("post", "/administration/utilisateurs/{pk}/modifier/"),
    ("post", "/administration/utilisateurs/{pk}/desactiver/"),
    ("post", "/administration/utilisateurs/{pk}/reactiver/"),
    ("post", "/administration/utilisateurs/{pk}/lien-mot-de-passe/"),
    ("post", "/administration/utilisateurs/{pk}/double-authentification/reinitialiser/"),
]


@pytest.mark.parametrize("method, url", PAGES)
@pytest.mark.parametrize("who", ["elected", "agent"])
def test_only_the_central_service_gets_in(client, request, who, method, url, voirie):
    target = AgentFactory(services=[voirie], last_name="Cible")
    TOTPDevice.objects.create(user=target, name="Téléphone", confirmed=True)
    client.force_login(request.getfixturevalue(who))
    data = create_data(username="intrus", email="intrus@ville.test", services=[voirie.pk], last_name="Intrus")
    response = getattr(client, method)(url.format(pk=target.pk), data if method == "post" else None)
    assert response.status_code == 403
    target.refresh_from_db()
    assert target.is_active and target.last_name == "Cible"
    assert not User.objects.filter(username="intrus").exists()
    assert TOTPDevice.objects.filter(user=target).exists()
    assert not OutboxMessage.objects.exists() and not AdminChange.objects.exists()


@pytest.mark.parametrize("method, url", PAGES)
def test_anonymous_users_are_sent_to_the_login_page(client, method, url):
    response = getattr(client, method)(url.format(pk=1))
    assert response.status_code == 302 and response["Location"].startswith("/connexion/")


@pytest.mark.parametrize("pk", [999999, 10**30])
def test_a_missing_account_is_a_404(client, central, pk):
    client.force_login(central)
    assert client.get(f"/administration/utilisateurs/{pk}/").status_code == 404
    assert client.get(f"/administration/utilisateurs/{pk}/modifier/").status_code == 404
    assert client.post(f"/administration/utilisateurs/{pk}/desactiver/").status_code == 404


def test_actions_refuse_get(client, central):
    client.force_login(central)
    target = ElectedFactory()
    assert client.get(f"/administration/utilisateurs/{target.pk}/desactiver/").status_code == 405
    target.refresh_from_db()
    assert target.is_active


# --- List ----------------------------------------------------------------------------


def listed(client, query: str = "") -> str:
    response = client.get(f"/administration/utilisateurs/{query}")
    assert response.status_code == 200
    return text(response)


def test_the_list_searches_and_filters(client, central, voirie):
    eclairage = ServiceFactory(name="Éclairage public")
    AgentFactory(username="jdupont", first_name="Jean", last_name="Dupont", services=[voirie])
    AgentFactory(username="mlefevre", first_name="Marie", last_name="Lefèvre", email="m.l@mairie.test",
                 services=[eclairage])  # fmt: skip
    ElectedFactory(username="pmartin", first_name="Paul", last_name="Martineau")
    AgentFactory(username="ancien", first_name="Albert", last_name="Ancien", services=[voirie], is_active=False)
    client.force_login(central)

    page = listed(client)
    assert "Dupont" in page and "Lefèvre" in page and "Martineau" in page
    assert "Ancien" not in page  # active accounts by default
    # Any case, over username, first name, last name and e-mail; every word must match.
    assert "Dupont" in listed(client, "?q=DUPONT") and "Lefèvre" not in listed(client, "?q=DUPONT")
    assert "Dupont" in listed(client, "?q=jdup")
    assert "Lefèvre" in listed(client, "?q=MAIRIE.test") and "Dupont" not in listed(client, "?q=MAIRIE.test")
    assert "Dupont" in listed(client, "?q=jean+dupont") and "Martineau" not in listed(client, "?q=jean+dupont")
    assert "Martineau" in listed(client, "?q=paul")
    by_profile = listed(client, "?profil=elected")
    assert "Martineau" in by_profile and "Dupont" not in by_profile
    by_service = listed(client, f"?service={eclairage.pk}")
    assert "Lefèvre" in by_service and "Dupont" not in by_service
    deactivated = listed(client, "?etat=desactives")
    assert "Ancien" in deactivated and "Dupont" not in deactivated
    everyone = listed(client, "?etat=tous")
    assert "Ancien" in everyone and "Dupont" in everyone
    assert "Ancien" in listed(client, f"?etat=tous&service={voirie.pk}&q=albert")


@pytest.mark.parametrize(
    "query",
    ["?profil=roi", "?service=abc", "?service=99999999999999999999999", "?etat=supprimes", "?page=zzz", "?page=-4",
     "?page=99999", "?q=" + "x" * 500, "?q=%25_%5C"],
)  # fmt: skip
def test_crafted_list_parameters_fall_back_to_defaults(client, central, query):
    AgentFactory(last_name="Toujours")
    client.force_login(central)
    response = client.get(f"/administration/utilisateurs/{query}")
    assert response.status_code == 200


def test_the_list_shows_last_login_services_quartiers_and_two_factor(client, central, voirie):
    seen = AgentFactory(last_name="Vu", services=[voirie])
    User.objects.filter(pk=seen.pk).update(last_login=timezone.now() - timedelta(days=2))
    TOTPDevice.objects.create(user=seen, name="Téléphone", confirmed=True)
    elu = ElectedFactory(last_name="Élu")
    elu.districts.set([DistrictFactory(name="Les Capucins")])
    enrolling = AgentFactory(last_name="Enrôlement", services=[voirie])
    TOTPDevice.objects.create(user=enrolling, name="Téléphone", confirmed=False)
    client.force_login(central)
    page = listed(client, "?q=vu")
    assert "Voirie" in page and "activée" in page and "jamais" not in page
    assert "Les Capucins" in listed(client, "?profil=elected")
    unconfirmed = listed(client, "?q=enrôlement")
    assert "activée" not in unconfirmed and "jamais" in unconfirmed


def test_the_list_is_paginated_by_fifty(client, central):
    for number in range(55):
        AgentFactory(username=f"agent{number:02d}", last_name=f"Nom{number:02d}")
    client.force_login(central)
    first = listed(client, "?profil=agent")
    assert "56 utilisateurs" not in first and "55 utilisateurs" in first
    assert "Nom49" in first and "Nom50" not in first
    second = listed(client, "?profil=agent&page=2")
    assert "Nom50" in second and "Nom54" in second and "Nom00" not in second
    assert "profil=agent&amp;page=1" in second  # the filters stay in the pagination links


def _list_queries(client) -> int:
    client.get("/administration/utilisateurs/?etat=tous")  # warm-up: session, caches
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/administration/utilisateurs/?etat=tous").status_code == 200
    return len(queries)


def _population(count: int, services, districts) -> None:
    for number in range(count):
        if number % 3 == 0:
            elu = ElectedFactory()
            elu.districts.set(districts)
        else:
            user = AgentFactory(services=services, is_active=number % 5 != 0)
            TOTPDevice.objects.create(user=user, name="Téléphone", confirmed=True)


def test_the_list_costs_the_same_queries_for_5_or_30_users(client, central, voirie):
    services = [voirie, ServiceFactory(name="Propreté")]
    districts = [DistrictFactory(name="Centre"), DistrictFactory(name="Gare")]
    client.force_login(central)
    _population(5, services, districts)
    few = _list_queries(client)
    _population(25, services, districts)
    assert User.objects.count() == 31
    assert _list_queries(client) == few


# --- Create --------------------------------------------------------------------------


def test_creating_an_account_sends_a_link_that_lets_the_user_choose_a_password_and_log_in(
    client, central, voirie, django_capture_on_commit_callbacks
):
    client.force_login(central)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/administration/utilisateurs/nouveau/", create_data(services=[voirie.pk]))
    user = User.objects.get(username="c.durand")
    assert response.status_code == 302 and response["Location"] == f"/administration/utilisateurs/{user.pk}/"
    assert not user.has_usable_password()
    assert user.profile == Profile.AGENT and list(user.services.all()) == [voirie]
    assert [a.action for a in history(user).order_by("pk")] == [Action.CREATED, Action.RESET_LINK]
    created = history(user, Action.CREATED).get()
    assert created.actor == central
    assert created.changes["services"]["after"] == "Voirie"
    assert created.changes["email"]["after"] == "claire.durand@ville.test"

    # The mail left through the outbox, with the login name and the link.
    message = OutboxMessage.objects.get(recipient=user)
    assert message.status == OutboxMessage.Status.SENT and message.to == "claire.durand@ville.test"
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["claire.durand@ville.test"]
    body = mail.outbox[0].body
    assert "c.durand" in body and "choisissez votre mot de passe" in mail.outbox[0].subject
    link = LINK.search(body).group(0)

    visitor = Client()
    opened = visitor.get(urlsplit(link).path)
    assert opened.status_code == 302 and opened["Location"].endswith("/choisir/")  # the token leaves the URL
    form_page = visitor.get(opened["Location"])
    assert "Choisir votre mot de passe" in text(form_page) and "c.durand" in text(form_page)
    saved = visitor.post(opened["Location"], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert saved.status_code == 302 and saved["Location"] == "/connexion/"
    assert "Votre mot de passe est enregistré" in text(visitor.get("/connexion/"))
    logged_in = log_in(visitor, "c.durand", NEW_PASSWORD)
    assert logged_in.status_code == 302 and logged_in["Location"] == "/"
    # One use only.
    assert "Ce lien ne fonctionne pas" in text(Client().get(urlsplit(link).path))


def test_an_elected_official_is_created_with_quartiers(client, central):
    capucins, gare = DistrictFactory(name="Les Capucins"), DistrictFactory(name="Gare")
    client.force_login(central)
    data = create_data(profile=Profile.ELECTED, districts=[capucins.pk, gare.pk], username="elu2")
    assert client.post("/administration/utilisateurs/nouveau/", data).status_code == 302
    elu = User.objects.get(username="elu2")
    assert set(elu.districts.all()) == {capucins, gare}
    assert history(elu, Action.CREATED).get().changes["districts"]["after"] == "Gare, Les Capucins"


@pytest.mark.parametrize(
    "overrides, field, message",
    [
        ({"username": "AGENT-TEST"}, "username", "Cet identifiant est déjà pris"),
        ({"email": "Agent-Test@Ville.TEST"}, "email", "Cette adresse e-mail est déjà celle d'un autre utilisateur"),
        ({"services": []}, "services", "Un agent doit appartenir à au moins un service"),
        ({"districts": ["DISTRICT"]}, "districts", "Seul un élu est rattaché à des quartiers"),
        ({"email": ""}, "email", "Ce champ est obligatoire"),
        ({"email": "pas-une-adresse"}, "email", "Saisissez une adresse de courriel valide"),
        ({"profile": "roi"}, "profile", "Sélectionnez un choix valide"),
        ({"services": ["999999"]}, "services", "Sélectionnez un choix valide"),
        ({"services": ["abc"]}, "services", "Sélectionnez un choix valide"),
        # Ids no database key holds (SQLite cannot even be asked about them), or not plain digits.
        ({"services": ["99999999999999999999999"]}, "services", "Sélectionnez un choix valide"),
        ({"services": [str(2**63)]}, "services", "Sélectionnez un choix valide"),
        ({"services": ["²"]}, "services", "Sélectionnez un choix valide"),
        ({"services": ["-1"]}, "services", "Sélectionnez un choix valide"),
        ({"districts": ["99999999999999999999999"]}, "districts", "Sélectionnez un choix valide"),
        ({"username": "avec espace"}, "username", "Saisissez un nom d’utilisateur valide"),
    ],
)
def test_bad_input_is_refused_in_french_and_creates_nothing(client, central, agent, voirie, overrides, field, message):
    district = DistrictFactory(name="Centre")
    overrides = {key: [district.pk if v == "DISTRICT" else v for v in value] if isinstance(value, list) else value
                 for key, value in overrides.items()}  # fmt: skip
    client.force_login(central)
    before = User.objects.count()
    response = client.post(
        "/administration/utilisateurs/nouveau/", create_data(**{"services": [voirie.pk], **overrides})
    )
    assert response.status_code == 400
    page = text(response).replace("’", "'")
    assert message.replace("’", "'") in page
    assert f'id="id_{field}_error"' in page  # next to its field
    assert "Le compte n'a pas été créé" in page
    assert User.objects.count() == before
    assert not OutboxMessage.objects.exists() and not AdminChange.objects.exists()


def test_only_active_services_and_quartiers_are_offered_but_an_accounts_own_are_kept(client, central):
    open_service = ServiceFactory(name="Espaces verts")
    closed_service = ServiceFactory(name="Ancien service", is_active=False)
    closed_district = DistrictFactory(name="Ancien quartier", is_active=False)
    client.force_login(central)
    creation = text(client.get("/administration/utilisateurs/nouveau/"))
    assert "Espaces verts" in creation and "Ancien service" not in creation and "Ancien quartier" not in creation
    assert (
        client.post("/administration/utilisateurs/nouveau/", create_data(services=[closed_service.pk])).status_code
        == 400
    )

    holder = AgentFactory(services=[open_service, closed_service])
    edit = text(client.get(f"/administration/utilisateurs/{holder.pk}/modifier/"))
    assert "Ancien service (désactivé)" in edit and "Ancien quartier" not in edit
    elu = ElectedFactory()
    elu.districts.set([closed_district])
    assert "Ancien quartier (désactivé)" in text(client.get(f"/administration/utilisateurs/{elu.pk}/modifier/"))


# --- Edit ----------------------------------------------------------------------------


def edit_data(user: User, **overrides) -> dict:
    data = {
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "profile": user.profile,
        "services": [s.pk for s in user.services.all()],
        "districts": [d.pk for d in user.districts.all()],
        "phone": user.phone,
        "job_title": user.job_title,
    }
    data.update(overrides)
    return data


def test_an_edit_is_saved_and_audited_before_and_after(client, central, voirie):
    proprete = ServiceFactory(name="Propreté")
    target = AgentFactory(username="lbernard", last_name="Bernard", email="l.bernard@ville.test", services=[voirie])
    client.force_login(central)
    data = edit_data(target, last_name="Bernard-Petit", email="lb@ville.test", services=[voirie.pk, proprete.pk])
    response = client.post(f"/administration/utilisateurs/{target.pk}/modifier/", data)
    assert response.status_code == 302
    target.refresh_from_db()
    assert target.last_name == "Bernard-Petit" and target.email == "lb@ville.test"
    change = history(target, Action.UPDATED).get()
    assert change.actor == central
    assert change.changes == {
        "last_name": {"label": "nom", "before": "Bernard", "after": "Bernard-Petit"},
        "email": {"label": "adresse électronique", "before": "l.bernard@ville.test", "after": "lb@ville.test"},
        "services": {"label": "services", "before": "Voirie", "after": "Propreté, Voirie"},
    }
    detail = text(client.get(f"/administration/utilisateurs/{target.pk}/"))
    assert "Bernard-Petit" in detail and "Modification" in detail and "l.bernard@ville.test" in detail

    # Saving the same values records nothing.
    client.post(f"/administration/utilisateurs/{target.pk}/modifier/", edit_data(target))
    assert history(target, Action.UPDATED).count() == 1


def test_an_edit_to_a_taken_username_in_another_case_is_refused(client, central, agent, voirie):
    target = AgentFactory(username="autre", services=[voirie])
    client.force_login(central)
    response = client.post(
        f"/administration/utilisateurs/{target.pk}/modifier/", edit_data(target, username="Agent-Test")
    )
    assert response.status_code == 400 and "Cet identifiant est déjà pris" in text(response)
    target.refresh_from_db()
    assert target.username == "autre" and not AdminChange.objects.exists()
    # Its own name in another case is fine.
    response = client.post(f"/administration/utilisateurs/{target.pk}/modifier/", edit_data(target, username="AUTRE"))
    assert response.status_code == 302


def test_an_elected_official_turned_agent_must_drop_the_quartiers(client, central, voirie):
    elu = ElectedFactory()
    elu.districts.set([DistrictFactory(name="Centre")])
    client.force_login(central)
    url = f"/administration/utilisateurs/{elu.pk}/modifier/"
    refused = client.post(url, edit_data(elu, profile=Profile.AGENT, services=[voirie.pk]))
    assert refused.status_code == 400 and "Seul un élu est rattaché à des quartiers" in text(refused)
    elu.refresh_from_db()
    assert elu.profile == Profile.ELECTED
    assert (
        client.post(url, edit_data(elu, profile=Profile.AGENT, services=[voirie.pk], districts=[])).status_code == 302
    )
    elu.refresh_from_db()
    assert elu.profile == Profile.AGENT and not elu.districts.exists()


def test_the_last_central_account_keeps_its_profile(client, central):
    client.force_login(central)
    response = client.post(
        f"/administration/utilisateurs/{central.pk}/modifier/", edit_data(central, profile="elected")
    )
    assert response.status_code == 400
    assert "C'est le dernier compte actif du service centralisateur" in text(response)
    central.refresh_from_db()
    assert central.profile == Profile.CENTRAL


def test_a_central_member_cannot_change_their_own_profile(client, central):
    CentralFactory(username="collegue")
    client.force_login(central)
    response = client.post(
        f"/administration/utilisateurs/{central.pk}/modifier/", edit_data(central, profile="elected")
    )
    assert response.status_code == 400 and "Vous ne pouvez pas changer votre propre profil" in text(response)
    central.refresh_from_db()
    assert central.profile == Profile.CENTRAL


def test_another_central_member_can_be_given_another_profile(client, central, voirie):
    other = CentralFactory(username="collegue")
    client.force_login(central)
    data = edit_data(other, profile=Profile.AGENT, services=[voirie.pk])
    assert client.post(f"/administration/utilisateurs/{other.pk}/modifier/", data).status_code == 302
    other.refresh_from_db()
    assert other.profile == Profile.AGENT
    change = history(other, Action.UPDATED).get()
    assert change.changes["profile"] == {
        "label": "profil",
        "before": "Service centralisateur",
        "after": "Agent de service",
    }


# --- Deactivate, reactivate ----------------------------------------------------------


def test_deactivate_then_reactivate_keeps_the_account_and_audits_both(client, central, voirie):
    target = AgentFactory(services=[voirie], last_name="Moreau")
    client.force_login(central)
    response = client.post(f"/administration/utilisateurs/{target.pk}/desactiver/", follow=True)
    assert "Le compte de Camille Moreau est désactivé" in text(response)
    target.refresh_from_db()
    assert not target.is_active and list(target.services.all()) == [voirie]
    change = history(target, Action.DEACTIVATED).get()
    assert change.changes["is_active"]["before"] == "oui" and change.changes["is_active"]["after"] == "non"
    assert "désactivé" in listed(client, "?etat=desactives") and "Moreau" in listed(client, "?etat=desactives")

    # Twice: nothing more happens.
    client.post(f"/administration/utilisateurs/{target.pk}/desactiver/")
    assert history(target, Action.DEACTIVATED).count() == 1

    response = client.post(f"/administration/utilisateurs/{target.pk}/reactiver/", follow=True)
    assert "Le compte de Camille Moreau est réactivé." in text(response)
    target.refresh_from_db()
    assert target.is_active
    assert history(target, Action.REACTIVATED).get().changes["is_active"]["after"] == "oui"


def test_a_deactivated_users_open_session_ends_at_their_next_page(client, central, voirie):
    target = AgentFactory(username="sortant", services=[voirie])
    theirs = Client()
    assert log_in(theirs, "sortant", "motdepasse-de-test").status_code == 302
    assert theirs.get("/").status_code == 200
    client.force_login(central)
    client.post(f"/administration/utilisateurs/{target.pk}/desactiver/")
    response = theirs.get("/")
    assert response.status_code == 302 and response["Location"].startswith("/connexion/")
    assert theirs.get("/demandes/").status_code == 302
    # And the password no longer opens one.
    assert log_in(theirs, "sortant", "motdepasse-de-test").status_code == 200


def test_a_central_member_cannot_deactivate_themself(client, central):
    CentralFactory(username="collegue")
    client.force_login(central)
    response = client.post(f"/administration/utilisateurs/{central.pk}/desactiver/", follow=True)
    assert "Vous ne pouvez pas désactiver votre propre compte" in text(response)
    central.refresh_from_db()
    assert central.is_active and not AdminChange.objects.exists()


def test_the_last_central_account_cannot_be_deactivated(client, central):
    client.force_login(central)
    response = client.post(f"/administration/utilisateurs/{central.pk}/desactiver/", follow=True)
    assert "C'est le dernier compte actif du service centralisateur : il ne peut pas être désactivé" in text(response)
    central.refresh_from_db()
    assert central.is_active


def test_two_central_members_deactivating_each_other_leave_one_active(central):
    other = CentralFactory(username="collegue")
    stale_other = User.objects.get(pk=other.pk)  # as loaded by their request, before the first change
    assert user_deactivate(actor=central, user=other)
    with pytest.raises(ValidationError, match="dernier compte actif"):
        user_deactivate(actor=stale_other, user=central)
    central.refresh_from_db()
    assert central.is_active


# --- Password link, two-factor -------------------------------------------------------


def test_the_central_service_sends_a_password_link(client, central):
    target = ElectedFactory(email="elu@ville.test")
    client.force_login(central)
    response = client.post(f"/administration/utilisateurs/{target.pk}/lien-mot-de-passe/", follow=True)
    assert "Un lien pour choisir un nouveau mot de passe part à" in text(response)
    message = OutboxMessage.objects.get(recipient=target)
    assert message.to == "elu@ville.test" and LINK.search(message.body_text)
    assert "nouveau mot de passe" in message.subject
    change = history(target, Action.RESET_LINK).get()
    assert change.actor == central and "elu@ville.test" in change.note
    target.refresh_from_db()
    assert target.has_usable_password()  # the old password works until replaced


def test_no_link_for_a_deactivated_account(client, central):
    target = ElectedFactory(is_active=False)
    client.force_login(central)
    response = client.post(f"/administration/utilisateurs/{target.pk}/lien-mot-de-passe/", follow=True)
    assert "Ce compte est désactivé : réactivez-le avant d'envoyer un lien" in text(response)
    assert not OutboxMessage.objects.exists() and not AdminChange.objects.exists()


def test_resetting_two_factor_deletes_the_devices_and_is_audited(client, central):
    target = ElectedFactory(last_name="Garnier")
    TOTPDevice.objects.create(user=target, name="Ancien téléphone", confirmed=True)
    TOTPDevice.objects.create(user=target, name="Enrôlement inachevé", confirmed=False)
    other = ElectedFactory()
    TOTPDevice.objects.create(user=other, name="Téléphone", confirmed=True)
    client.force_login(central)
    detail = text(client.get(f"/administration/utilisateurs/{target.pk}/"))
    assert "activée" in detail and "Réinitialiser la double authentification" in detail

    response = client.post(
        f"/administration/utilisateurs/{target.pk}/double-authentification/reinitialiser/", follow=True
    )
    assert "La double authentification de Camille Garnier est réinitialisée" in text(response)
    assert "non activée" in text(response)
    assert not TOTPDevice.objects.filter(user=target).exists()
    assert TOTPDevice.objects.filter(user=other).exists()
    change = history(target, Action.TWO_FACTOR_RESET).get()
    assert change.actor == central and "2 appareils" in change.note

    again = client.post(f"/administration/utilisateurs/{target.pk}/double-authentification/reinitialiser/", follow=True)
    assert "n'avait aucun appareil" in text(again)
    assert history(target, Action.TWO_FACTOR_RESET).count() == 1


def test_the_detail_page_shows_the_account_and_its_history(client, central, voirie):
    target = AgentFactory(username="rpetit", last_name="Petit", services=[voirie], phone="06 00 00 00 00")
    User.objects.filter(pk=target.pk).update(last_login=timezone.now())
    unrelated = UserFactory(username="autre")
    client.force_login(central)
    client.post(f"/administration/utilisateurs/{target.pk}/desactiver/")
    client.post(f"/administration/utilisateurs/{unrelated.pk}/desactiver/")
    page = text(client.get(f"/administration/utilisateurs/{target.pk}/"))
    assert "rpetit" in page and "Voirie" in page and "06 00 00 00 00" in page
    assert "jamais" not in page and "non activée" in page
    assert "Désactivation" in page and str(central) in page.split("Historique")[1]
    assert page.count("Désactivation") == 1  # the other account's change is not here
    assert "Réactiver le compte" in page


def test_every_error_of_a_form_shows_at_once(client, central, agent):
    district = DistrictFactory(name="Centre")
    client.force_login(central)
    data = create_data(username="AGENT-test", email="", services=[], districts=[district.pk])
    page = text(client.post("/administration/utilisateurs/nouveau/", data))
    for field in ("username", "email", "services", "districts"):
        assert f'id="id_{field}_error"' in page


def test_the_services_refuse_anyone_but_the_central_service(elected, agent):
    with pytest.raises(PermissionDenied):
        user_create(actor=elected, data=create_data(profile=Profile.ELECTED))
    with pytest.raises(PermissionDenied):
        user_reactivate(actor=agent, user=elected)
    with pytest.raises(PermissionDenied):
        user_two_factor_reset(actor=agent, user=elected)
    assert not User.objects.filter(username="c.durand").exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_central_members_deactivating_each_other_at_the_same_moment_leave_one_active():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (set DATABASE_URL): row locks between connections")
    first, second = CentralFactory(username="premier"), CentralFactory(username="second")
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def deactivate(actor, target) -> None:
        try:
            barrier.wait(timeout=5)
            user_deactivate(actor=actor, user=target)
            outcomes.append("done")
        except ValidationError:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [
        threading.Thread(target=deactivate, args=(first, second)),
        threading.Thread(target=deactivate, args=(second, first)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)
    assert sorted(outcomes) == ["done", "refused"]
    assert User.objects.filter(profile=Profile.CENTRAL, is_active=True).count() == 1


# --- Technical maintenance accounts (/django-admin/) ---------------------------------

PROTECTED = "Ce compte a accès à la maintenance technique : seul un administrateur technique peut le modifier"


@pytest.fixture(params=["is_staff", "is_superuser"])
def technical(request, voirie):
    """An account that opens /django-admin/: taking it over would give the whole site."""
    user = AgentFactory(username="technique", email="technique@ville.test", services=[voirie], last_name="Tech",
                        **{request.param: True})  # fmt: skip
    TOTPDevice.objects.create(user=user, name="Téléphone", confirmed=True)
    return user


def test_a_central_user_cannot_take_over_a_technical_account(client, central, technical):
    client.force_login(central)
    base = f"/administration/utilisateurs/{technical.pk}"
    data = edit_data(technical, email="central-test@ville.test", last_name="Pris")
    response = client.post(f"{base}/modifier/", data, follow=True)
    assert PROTECTED in text(response)
    for action in ("lien-mot-de-passe", "double-authentification/reinitialiser", "desactiver"):
        response = client.post(f"{base}/{action}/", follow=True)
        assert PROTECTED in text(response), action
    User.objects.filter(pk=technical.pk).update(is_active=False)
    response = client.post(f"{base}/reactiver/", follow=True)
    assert PROTECTED in text(response)

    technical.refresh_from_db()
    assert technical.email == "technique@ville.test" and technical.last_name == "Tech" and not technical.is_active
    assert TOTPDevice.objects.filter(user=technical).exists()
    assert not OutboxMessage.objects.exists() and not AdminChange.objects.exists()
    # Not even the form.
    response = client.get(f"{base}/modifier/", follow=True)
    assert PROTECTED in text(response) and 'name="email"' not in text(response)


def test_the_services_refuse_a_technical_account_to_a_central_user(central, technical):
    for action in (user_deactivate, user_two_factor_reset, user_password_link_send):
        with pytest.raises(ValidationError, match="maintenance technique"):
            action(actor=central, user=technical)
    with pytest.raises(ValidationError, match="maintenance technique"):
        user_update(actor=central, user=technical, data={"email": "central-test@ville.test"})
    technical.refresh_from_db()
    assert technical.email == "technique@ville.test" and technical.is_active


def test_a_technical_administrator_of_the_central_service_manages_them(client, technical):
    root = CentralFactory(username="racine", is_superuser=True, is_staff=True)
    client.force_login(root)
    data = edit_data(technical, last_name="Technicien")
    assert client.post(f"/administration/utilisateurs/{technical.pk}/modifier/", data).status_code == 302
    technical.refresh_from_db()
    assert technical.last_name == "Technicien"
    assert user_deactivate(actor=root, user=technical)


def test_the_pages_show_the_technical_accounts_and_offer_them_no_action(client, central, technical):
    client.force_login(central)
    page = listed(client, "?q=technique")
    assert "Maintenance technique" in page
    assert "Maintenance technique" not in listed(client, "?q=central-test")
    detail = text(client.get(f"/administration/utilisateurs/{technical.pk}/"))
    assert PROTECTED in detail
    for button in ("Modifier le compte", "Envoyer un lien", "Désactiver le compte",
                   "Réinitialiser la double authentification"):  # fmt: skip
        assert button not in detail, button


def test_the_account_form_never_grants_the_technical_maintenance(client, central, voirie):
    client.force_login(central)
    data = create_data(services=[voirie.pk], is_staff="on", is_superuser="on", groups=["1"])
    assert client.post("/administration/utilisateurs/nouveau/", data).status_code == 302
    created = User.objects.get(username="c.durand")
    assert not created.is_staff and not created.is_superuser
    response = client.post(
        f"/administration/utilisateurs/{created.pk}/modifier/",
        edit_data(created, is_staff="on", is_superuser="on"),
    )
    assert response.status_code == 302
    created.refresh_from_db()
    assert not created.is_staff and not created.is_superuser


def test_ones_own_second_factor_is_removed_only_with_a_code(client, central):
    device = TOTPDevice.objects.create(user=central, name="Téléphone", confirmed=True)
    client.force_login(central)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id  # the code given at login
    session.save()
    detail = text(client.get(f"/administration/utilisateurs/{central.pk}/"))
    assert "Réinitialiser la double authentification" not in detail
    assert "Mon compte › Double authentification" in detail
    response = client.post(
        f"/administration/utilisateurs/{central.pk}/double-authentification/reinitialiser/", follow=True
    )
    assert "Mon compte › Double authentification" in text(response)
    assert TOTPDevice.objects.filter(user=central).exists() and not AdminChange.objects.exists()
    with pytest.raises(ValidationError, match="Mon compte"):
        user_two_factor_reset(actor=central, user=central)


# --- A login and an address nobody else has, whatever the case ----------------------


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"username": "Ｃ.Durand"}, "username"),  # fullwidth letters: Django would save "C.Durand"
        ({"username": "C.DURAND"}, "username"),
        ({"email": "Claire.Durand@ＶＩＬＬＥ.test"}, "email"),
    ],
)
def test_a_login_or_an_address_taken_in_another_form_is_refused(client, central, voirie, overrides, field):
    AgentFactory(username="c.durand", email="claire.durand@ville.test", services=[voirie])
    client.force_login(central)
    data = create_data(**{"services": [voirie.pk], "username": "autre", "email": "autre@ville.test", **overrides})
    response = client.post("/administration/utilisateurs/nouveau/", data)
    assert response.status_code == 400 and f'id="id_{field}_error"' in text(response)
    assert User.objects.count() == 2


def test_logins_and_addresses_are_saved_in_their_canonical_form(client, central, voirie):
    client.force_login(central)
    data = create_data(services=[voirie.pk], username="Ｃ.Durand", email="Claire.Durand@ＶＩＬＬＥ.test")
    assert client.post("/administration/utilisateurs/nouveau/", data).status_code == 302
    created = User.objects.get(first_name="Claire")
    assert created.username == "C.Durand" and created.email == "Claire.Durand@ville.test"


def test_the_database_holds_one_login_and_one_address_whatever_the_case(voirie):
    from django.db import IntegrityError, transaction

    UserFactory(username="c.durand", email="claire.durand@ville.test")
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(username="C.Durand", email="autre@ville.test")
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(username="autre", email="Claire.Durand@VILLE.test")
    # Accounts without an address are many.
    User.objects.create(username="sans1", email="")
    User.objects.create(username="sans2", email="")


@pytest.mark.parametrize(
    "taken, field",
    [({"username": "C.Durand"}, "username"), ({"email": "Claire.Durand@ville.test"}, "email")],
)
def test_a_login_taken_between_the_check_and_the_save_gets_the_french_error(monkeypatch, central, voirie, taken,
                                                                           field):  # fmt: skip
    """Another creation committed in between: the database refuses, the form says why."""
    from eusp.administration.users import services

    UserFactory(username="c.durand", email="claire.durand@ville.test")
    monkeypatch.setattr(services, "user_rules_check", lambda data, user_pk: None)
    data = create_data(**{"services": [voirie], "username": "autre", "email": "autre@ville.test", **taken})
    with pytest.raises(ValidationError) as refused:
        user_create(actor=central, data=data)
    assert field in refused.value.message_dict
    other = AgentFactory(username="autre", email="autre@ville.test", services=[voirie])
    with pytest.raises(ValidationError) as refused:
        user_update(actor=central, user=other, data=taken)
    assert field in refused.value.message_dict
    # The transaction is still usable.
    assert User.objects.filter(username__iexact="c.durand").count() == 1
    other.refresh_from_db()
    assert other.username == "autre" and other.email == "autre@ville.test"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_creations_of_the_same_login_at_the_same_moment_create_one_account():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (set DATABASE_URL): two connections at once")
    first, second = CentralFactory(username="premier"), CentralFactory(username="second")
    service = ServiceFactory(name="Voirie")
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def create(actor, username, email) -> None:
        try:
            barrier.wait(timeout=5)
            user_create(actor=actor, data=create_data(services=[service], username=username, email=email))
            outcomes.append("created")
        except ValidationError as error:
            outcomes.append("refused" if "username" in error.message_dict else repr(error))
        except Exception as error:  # an IntegrityError, say: the assertion shows it
            outcomes.append(repr(error))
        finally:
            connection.close()

    threads = [
        threading.Thread(target=create, args=(first, "c.durand", "un@ville.test")),
        threading.Thread(target=create, args=(second, "C.Durand", "deux@ville.test")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)
    assert sorted(outcomes) == ["created", "refused"]
    assert User.objects.filter(username__iexact="c.durand").count() == 1


def test_the_account_page_offers_what_the_services_allow(client, central):
    from eusp.administration.users.selectors import user_detail
    from eusp.administration.users.services import user_actions

    other = AgentFactory(username="bruno", services=[ServiceFactory(name="Voirie")])
    TOTPDevice.objects.create(user=other, name="téléphone", confirmed=True)
    TOTPDevice.objects.create(user=central, name="téléphone", confirmed=True)
    assert user_actions(central, user_detail(other.pk)) == {"edit", "send_link", "deactivate", "two_factor_reset"}
    # One's own account: no deactivation, and the second factor is changed with a code.
    assert user_actions(central, user_detail(central.pk)) == {"edit", "send_link", "own_two_factor"}
    User.objects.filter(pk=other.pk).update(is_active=False)
    assert user_actions(central, user_detail(other.pk)) == {"edit", "reactivate", "two_factor_reset"}
    technical = CentralFactory(username="root", is_superuser=True, is_staff=True)
    assert user_actions(central, user_detail(technical.pk)) == frozenset()
