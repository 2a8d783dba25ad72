"""/administration/listes/: the central service maintains the reference lists; entries used
by requests are deactivated or merged, never deleted; nobody else gets in."""

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from eusp.accounts.models import User
from eusp.administration.models import AdminChange
from eusp.administration.reference.registry import KINDS
from eusp.administration.reference.rules import contrast_with_white
from eusp.administration.reference.services import (
    reference_deactivate,
    reference_merge,
    reference_update,
)
from eusp.administration.reference.usage import reference_relations
from eusp.casework.models import Reminder, SavedSearch, ServiceRequest
from eusp.directory.models import AnswerTemplate, Category, District, Origin, Phase, Priority, Service, State
from eusp.directory.seed import STATES
from tests.factories import (
    AgentFactory,
    CategoryFactory,
    DistrictFactory,
    ElectedFactory,
    OriginFactory,
    ServiceFactory,
    ServiceRequestFactory,
)

pytestmark = pytest.mark.django_db

Action = AdminChange.Action
BASE = "/administration/listes"


def _request(central, **fields) -> ServiceRequest:
    fields.setdefault("category", CategoryFactory(default_instructing_service=None, default_executing_service=None))
    return ServiceRequestFactory(created_by=central, **fields)


def _audits(entry, action) -> list[AdminChange]:
    return list(AdminChange.objects.filter(target_type=entry._meta.label_lower, target_id=str(entry.pk), action=action))


def _order(model) -> list[int]:
    return list(model.objects.order_by("position", "pk").values_list("pk", flat=True))


def _messages(response) -> list[str]:
    return [str(message) for message in response.context["messages"]] if response.context else []


# ---- Who gets in -----------------------------------------------------------------------------

PAGES = [
    ("get", "/"),
    ("get", "/{kind}/"),
    ("get", "/{kind}/nouveau/"),
    ("post", "/{kind}/nouveau/"),
    ("get", "/{kind}/{pk}/modifier/"),
    ("post", "/{kind}/{pk}/modifier/"),
    ("get", "/{kind}/{pk}/monter/"),
    ("post", "/{kind}/{pk}/monter/"),
    ("post", "/{kind}/{pk}/descendre/"),
    ("get", "/{kind}/{pk}/desactiver/"),
    ("post", "/{kind}/{pk}/desactiver/"),
    ("post", "/{kind}/{pk}/reactiver/"),
    ("get", "/{kind}/{pk}/supprimer/"),
    ("post", "/{kind}/{pk}/supprimer/"),
    ("get", "/{kind}/{pk}/fusionner/"),
    ("post", "/{kind}/{pk}/fusionner/"),
    ("get", "/modeles-de-reponse/{template}/apercu/"),
]


@pytest.mark.parametrize("method, url", PAGES)
@pytest.mark.parametrize("who", ["elected", "agent"])
def test_elected_officials_and_agents_get_403_on_every_page_and_action(client, request, who, method, url):
    first, second = OriginFactory(name="Courriel"), OriginFactory(name="Courriel bis")
    template = AnswerTemplate.objects.first()
    client.force_login(request.getfixturevalue(who))
    path = BASE + url.format(kind="origines", pk=second.pk, template=template.pk)
    response = getattr(client, method)(path, {"name": "Piraté", "target": first.pk})
    assert response.status_code == 403
    assert Origin.objects.filter(pk=second.pk, name="Courriel bis", is_active=True).exists()
    assert not Origin.objects.filter(name="Piraté").exists()
    assert not AdminChange.objects.exists()


@pytest.mark.parametrize("method, url", PAGES)
def test_anonymous_users_are_sent_to_the_login_page(client, method, url):
    response = getattr(client, method)(BASE + url.format(kind="origines", pk=1, template=1))
    assert response.status_code == 302 and response["Location"].startswith("/connexion/")


def test_the_403_holds_for_every_kind(client, agent):
    client.force_login(agent)
    for slug in KINDS:
        assert client.get(f"{BASE}/{slug}/").status_code == 403
        assert client.post(f"{BASE}/{slug}/nouveau/", {"name": "x", "label": "x"}).status_code == 403


# ---- Add, rename, reorder, deactivate, reactivate: every kind ---------------------------------

NEW_ENTRY = {
    "origines": {"name": "Application mobile"},
    "quartiers": {"name": "Les Aubiers", "code": "AUB"},
    "services": {"name": "Espaces verts", "email": "espaces-verts@ville.test", "kind": "both"},
    "categories": {"name": "Éclairage public", "theme": "Voirie", "default_delay_days": "10"},
    "etats": {"label": "En étude", "phase": "waiting", "colour": "#1F5FA8"},
    "priorites": {"label": "Critique"},
    "modeles-de-reponse": {"name": "Relance", "subject": "Votre demande {reference}", "body": "{civilite}, merci."},
}


def _seed_lists():
    """Two entries at least in every list (states, priorities, templates come seeded)."""
    OriginFactory(name="Courrier papier")
    DistrictFactory(name="Centre"), DistrictFactory(name="Nord")
    ServiceFactory(name="Voirie"), ServiceFactory(name="Propreté")
    CategoryFactory(name="Nid-de-poule"), CategoryFactory(name="Tags")


@pytest.mark.parametrize("slug", list(KINDS))
def test_each_list_adds_renames_reorders_deactivates_and_reactivates(client, central, slug):
    _seed_lists()
    kind = KINDS[slug]
    model, label = kind.model, kind.label_field
    client.force_login(central)
    assert client.get(f"{BASE}/{slug}/nouveau/").status_code == 200

    response = client.post(f"{BASE}/{slug}/nouveau/", NEW_ENTRY[slug])
    assert response.status_code == 302, response.context["form"].errors if response.context else ""
    entry = model.objects.get(**{label: NEW_ENTRY[slug][label]})
    assert entry.is_active and _order(model)[-1] == entry.pk  # added at the end
    assert _audits(entry, Action.CREATED)
    listing = client.get(f"{BASE}/{slug}/").content.decode()
    assert NEW_ENTRY[slug][label] in listing

    renamed = {**NEW_ENTRY[slug], label: "Nouveau nom"}
    assert client.post(f"{BASE}/{slug}/{entry.pk}/modifier/", renamed).status_code == 302
    entry.refresh_from_db()
    assert getattr(entry, label) == "Nouveau nom"
    [update] = _audits(entry, Action.UPDATED)
    assert update.changes[label] == {
        "label": label_of(model, label),
        "before": NEW_ENTRY[slug][label],
        "after": "Nouveau nom",
    }

    before = _order(model)
    assert client.post(f"{BASE}/{slug}/{entry.pk}/monter/").status_code == 302
    assert _order(model) == [*before[:-2], before[-1], before[-2]]
    assert client.post(f"{BASE}/{slug}/{entry.pk}/descendre/").status_code == 302
    assert _order(model) == before
    assert len(_audits(entry, Action.REORDERED)) == 2

    assert client.post(f"{BASE}/{slug}/{entry.pk}/desactiver/").status_code == 302
    entry.refresh_from_db()
    assert not entry.is_active and _audits(entry, Action.DEACTIVATED)
    assert "Désactivée" in client.get(f"{BASE}/{slug}/").content.decode()
    assert client.post(f"{BASE}/{slug}/{entry.pk}/reactiver/").status_code == 302
    entry.refresh_from_db()
    assert entry.is_active and _audits(entry, Action.REACTIVATED)


def label_of(model, name: str) -> str:
    return str(model._meta.get_field(name).verbose_name)


def test_the_first_entry_cannot_go_up_nor_the_last_down(client, central):
    first, last = OriginFactory(name="A-premier"), OriginFactory(name="Z-dernier")
    Origin.objects.exclude(pk__in=[first.pk, last.pk]).delete()
    client.force_login(central)
    before = _order(Origin)
    response = client.post(f"{BASE}/origines/{first.pk}/monter/", follow=True)
    assert "est déjà en tête de liste" in " ".join(_messages(response))
    response = client.post(f"{BASE}/origines/{last.pk}/descendre/", follow=True)
    assert "est déjà en fin de liste" in " ".join(_messages(response))
    assert _order(Origin) == before and not AdminChange.objects.exists()


def test_renaming_to_a_name_that_exists_gets_a_french_error(client, central):
    OriginFactory(name="Téléphone mairie")
    other = OriginFactory(name="Appel")
    client.force_login(central)
    response = client.post(f"{BASE}/origines/{other.pk}/modifier/", {"name": "  téléphone   MAIRIE "})
    assert response.status_code == 200
    assert response.context["form"].errors["name"] == ["« téléphone MAIRIE » existe déjà dans la liste « Origines »."]
    other.refresh_from_db()
    assert other.name == "Appel" and not AdminChange.objects.exists()


def test_a_deactivated_entry_stays_on_requests_and_filters_but_is_no_longer_offered(client, central):
    origin = OriginFactory(name="Fax")
    sr = _request(central, origin=origin)
    reference_deactivate(kind=KINDS["origines"], entry=origin, actor=central)
    client.force_login(central)
    assert f'value="{origin.pk}"' not in client.get("/demandes/nouvelle/").content.decode()
    assert "Fax" in client.get(sr.get_absolute_url()).content.decode()
    filtered = client.get(f"/demandes/?origin={origin.pk}")
    assert filtered.status_code == 200 and sr.reference in filtered.content.decode()
    sr.refresh_from_db()
    assert sr.origin_id == origin.pk


# ---- Delete: only when unused; otherwise deactivate or merge ----------------------------------


def test_an_unused_entry_is_deleted_with_an_audit_row(client, central):
    origin = OriginFactory(name="Pigeon voyageur")
    client.force_login(central)
    page = client.get(f"{BASE}/origines/{origin.pk}/supprimer/").content.decode()
    assert "Supprimer définitivement" in page
    response = client.post(f"{BASE}/origines/{origin.pk}/supprimer/")
    assert response.status_code == 302
    assert not Origin.objects.filter(pk=origin.pk).exists()
    [deleted] = AdminChange.objects.filter(action=Action.DELETED, target_type="directory.origin")
    assert deleted.target_label == "Pigeon voyageur" and deleted.changes["name"]["before"] == "Pigeon voyageur"


def test_deleting_a_used_entry_is_refused_with_the_counts_and_the_two_offers(client, central):
    service = ServiceFactory(name="Voirie")
    other = ServiceFactory(name="Propreté")
    for _ in range(2):
        _request(central, instructing_service=service, executing_service=other)
    _request(central, instructing_service=other, executing_service=service)
    AgentFactory(username="agent-voirie", services=[service])
    client.force_login(central)

    page = client.get(f"{BASE}/services/{service.pk}/supprimer/").content.decode()
    assert "ne peut pas être supprimée" in page
    assert "2 demandes (service instructeur)" in page
    assert "1 demande (service exécution)" in page
    assert "1 utilisateur" in page
    assert f'action="/administration/listes/services/{service.pk}/desactiver/"' in page
    assert f'href="/administration/listes/services/{service.pk}/fusionner/"' in page
    assert "Supprimer définitivement" not in page

    response = client.post(f"{BASE}/services/{service.pk}/supprimer/", follow=True)
    assert "Désactivez-la" in " ".join(_messages(response)) and "fusionnez-la" in " ".join(_messages(response))
    assert Service.objects.filter(pk=service.pk).exists()
    assert ServiceRequest.objects.filter(instructing_service=service).count() == 2
    assert not AdminChange.objects.filter(action=Action.DELETED).exists()


def test_the_list_shows_how_many_requests_use_each_entry(client, central):
    used, unused = OriginFactory(name="Guichet"), OriginFactory(name="Carrier pigeon")
    for _ in range(3):
        _request(central, origin=used)
    client.force_login(central)
    page = client.get(f"{BASE}/origines/").content.decode()
    row = page[page.index(f'id="entree-{used.pk}"') :]
    assert "3 demandes" in row[: row.index("</tr>")]
    row = page[page.index(f'id="entree-{unused.pk}"') :]
    assert "Inutilisée" in row[: row.index("</tr>")]


def test_the_list_costs_the_same_queries_whatever_its_length(client, central):
    client.force_login(central)
    _request(central, origin=OriginFactory(name="Base"))
    client.get(f"{BASE}/services/")  # warm the session

    def queries(slug: str) -> int:
        with CaptureQueriesContext(connection) as context:
            assert client.get(f"{BASE}/{slug}/").status_code == 200
        return len(context)

    few = {slug: queries(slug) for slug in ("origines", "services", "categories")}
    for n in range(12):
        service = ServiceFactory(name=f"Service en plus {n}")
        OriginFactory(name=f"Origine en plus {n}")
        CategoryFactory(name=f"Catégorie en plus {n}", default_instructing_service=service)
        _request(central, origin=Origin.objects.get(name=f"Origine en plus {n}"), instructing_service=service)
    many = {slug: queries(slug) for slug in few}
    assert many == few


# ---- Merge ----------------------------------------------------------------------------------


def test_merge_of_reference_data_keeps_every_requests_link(client, central):
    """Merge origin A into B: every request that pointed to A points to B, none lost."""
    a, b, c = OriginFactory(name="Mél"), OriginFactory(name="E-mail"), OriginFactory(name="Courrier")
    on_a = [_request(central, origin=a).pk for _ in range(3)]
    on_b = [_request(central, origin=b).pk for _ in range(2)]
    on_c = _request(central, origin=c).pk
    total = ServiceRequest.objects.count()
    client.force_login(central)

    page = client.get(f"{BASE}/origines/{a.pk}/fusionner/").content.decode()
    assert "3 demandes" in page
    response = client.post(f"{BASE}/origines/{a.pk}/fusionner/", {"target": b.pk}, follow=True)
    assert response.redirect_chain[-1][0].startswith("/administration/listes/origines/")
    assert "« Mél » est fusionnée dans « E-mail »" in " ".join(_messages(response))

    assert not Origin.objects.filter(pk=a.pk).exists()
    assert ServiceRequest.objects.count() == total
    assert set(ServiceRequest.objects.filter(origin=b).values_list("pk", flat=True)) == {*on_a, *on_b}
    assert ServiceRequest.objects.get(pk=on_c).origin_id == c.pk
    [merged] = AdminChange.objects.filter(action=Action.MERGED)
    assert merged.target_type == "directory.origin" and merged.target_id == str(a.pk)
    assert merged.actor == central
    assert "E-mail" in merged.note and "3 demandes" in merged.note


def test_merging_services_moves_assignments_reminders_memberships_and_category_defaults(central):
    old, new, other = ServiceFactory(name="Voirie Nord"), ServiceFactory(name="Voirie"), ServiceFactory(name="Eau")
    instructed = _request(central, instructing_service=old, executing_service=other)
    executed = _request(central, instructing_service=other, executing_service=old)
    both = _request(central, instructing_service=old, executing_service=old)
    Reminder.objects.create(service_request=instructed, service=old, sent_at=timezone.now())
    category = CategoryFactory(name="Trottoirs", default_instructing_service=old, default_executing_service=old)
    in_both = AgentFactory(username="agent-deux", services=[old, new])
    only_old = AgentFactory(username="agent-nord", services=[old, other])

    moved = reference_merge(kind=KINDS["services"], source=old, target=new, actor=central)

    assert not Service.objects.filter(pk=old.pk).exists()
    for sr, instructing, executing in ((instructed, new, other), (executed, other, new), (both, new, new)):
        sr.refresh_from_db()
        assert (sr.instructing_service_id, sr.executing_service_id) == (instructing.pk, executing.pk)
    assert Reminder.objects.get(service_request=instructed).service_id == new.pk
    category.refresh_from_db()
    assert category.default_instructing_service_id == new.pk == category.default_executing_service_id
    assert sorted(in_both.services.values_list("name", flat=True)) == ["Voirie"]  # no duplicate row
    assert sorted(only_old.services.values_list("name", flat=True)) == ["Eau", "Voirie"]
    assert User.services.through.objects.filter(service=new).count() == 2
    assert "2 utilisateurs" in moved and "1 relance" in moved


def test_merging_districts_moves_the_elected_officials_quartiers(central):
    old, new = DistrictFactory(name="Gare"), DistrictFactory(name="Gare et faubourgs")
    official = ElectedFactory(username="elu-gare")
    official.districts.set([old, new])
    other = ElectedFactory(username="elu-autre")
    other.districts.set([old])
    sr = _request(central, district=old)
    reference_merge(kind=KINDS["quartiers"], source=old, target=new, actor=central)
    assert list(official.districts.all()) == [new] and list(other.districts.all()) == [new]
    sr.refresh_from_db()
    assert sr.district_id == new.pk


def test_a_merge_moves_the_saved_searches_filtering_on_the_merged_entry(central):
    old, new, kept = OriginFactory(name="Fax"), OriginFactory(name="Courrier"), OriginFactory(name="Appel")
    search = SavedSearch.objects.create(owner=central, name="Fax", query=f"origin={old.pk}&q=trottoir")
    untouched = SavedSearch.objects.create(owner=central, name="Appels", query=f"origin={kept.pk}")
    reference_merge(kind=KINDS["origines"], source=old, target=new, actor=central)
    search.refresh_from_db(), untouched.refresh_from_db()
    assert search.query == f"origin={new.pk}&q=trottoir"
    assert untouched.query == f"origin={kept.pk}"


def _post_merge(client, slug, source, target_pk):
    return client.post(f"{BASE}/{slug}/{source.pk}/fusionner/", {"target": target_pk})


def test_a_merge_into_itself_an_inactive_entry_or_another_list_is_refused(client, central):
    source = OriginFactory(name="Source")
    inactive = OriginFactory(name="Ancienne", is_active=False)
    service = ServiceFactory(name="Un service")
    client.force_login(central)
    for target in (source.pk, inactive.pk, service.pk + 10_000, "abc", "", 10**30):
        response = _post_merge(client, "origines", source, target)
        assert response.status_code == 200
        assert response.context["form"].errors["target"]
    assert Origin.objects.filter(pk=source.pk).exists() and not AdminChange.objects.exists()

    with pytest.raises(ValidationError, match="elle-même"):
        reference_merge(kind=KINDS["origines"], source=source, target=source, actor=central)
    with pytest.raises(ValidationError, match="désactivée"):
        reference_merge(kind=KINDS["origines"], source=source, target=inactive, actor=central)
    with pytest.raises(ValidationError, match="même liste"):
        reference_merge(kind=KINDS["origines"], source=source, target=service, actor=central)


def test_answer_templates_are_not_merged(client, central):
    template = AnswerTemplate.objects.first()
    client.force_login(central)
    assert client.get(f"{BASE}/modeles-de-reponse/{template.pk}/fusionner/").status_code == 404


def test_merging_states_of_different_phases_is_refused(client, central):
    in_progress = State.objects.get(label="En cours")
    waiting = State.objects.get(label="À suivre")
    client.force_login(central)
    response = _post_merge(client, "etats", in_progress, waiting.pk)
    assert response.status_code == 200
    [error] = response.context["form"].errors["target"]
    assert "n'ont pas la même phase" in error
    assert State.objects.filter(pk=in_progress.pk).exists() and not AdminChange.objects.exists()


def test_merging_states_of_the_same_phase_moves_the_requests(central):
    waiting = State.objects.get(label="À suivre")
    budget = State.objects.get(label="Budget pluriannuel")
    sr = _request(central)
    ServiceRequest.objects.filter(pk=sr.pk).update(state=budget)
    reference_merge(kind=KINDS["etats"], source=budget, target=waiting, actor=central)
    sr.refresh_from_db()
    assert sr.state_id == waiting.pk and not State.objects.filter(pk=budget.pk).exists()


def test_a_service_is_not_merged_into_one_that_cannot_take_its_role(central):
    source = ServiceFactory(name="Instructeur", kind=Service.Kind.INSTRUCTING)
    executing_only = ServiceFactory(name="Régie", kind=Service.Kind.EXECUTING)
    _request(central, instructing_service=source)
    with pytest.raises(ValidationError, match="n'est pas service instructeur"):
        reference_merge(kind=KINDS["services"], source=source, target=executing_only, actor=central)
    assert ServiceRequest.objects.filter(instructing_service=source).count() == 1


def test_every_relation_pointing_at_a_reference_model_is_found():
    """A relation added later is moved and protected without changing the merge."""
    keys = {relation.key for relation in reference_relations(Service)}
    assert keys == {
        "casework.servicerequest.instructing_service",
        "casework.servicerequest.executing_service",
        "casework.reminder.service",
        "directory.category.default_instructing_service",
        "directory.category.default_executing_service",
        "accounts.user.services",
    }
    assert {relation.key for relation in reference_relations(District)} == {
        "casework.servicerequest.district",
        "accounts.user.districts",
    }


# ---- States and priorities: the initial state, the default priority, phases, colours ----------


def _state_data(state: State, **changes) -> dict:
    data = {"label": state.label, "phase": state.phase, "colour": state.colour, "is_initial": state.is_initial}
    data.update(changes)
    return {name: value for name, value in data.items() if value is not False}


def test_making_another_state_initial_moves_the_flag(client, central):
    initial = State.objects.get(is_initial=True)
    other = State.objects.create(label="À qualifier", phase=Phase.OPEN, colour="#1f5fa8")
    client.force_login(central)
    response = client.post(f"{BASE}/etats/{other.pk}/modifier/", _state_data(other, is_initial="on"))
    assert response.status_code == 302
    assert list(State.objects.filter(is_initial=True)) == [other]
    assert _audits(initial, Action.UPDATED)[0].changes["is_initial"]["after"] == "non"
    assert _audits(other, Action.UPDATED)[0].changes["is_initial"]["after"] == "oui"


def test_the_initial_state_keeps_its_flag_and_stays(client, central):
    initial = State.objects.get(is_initial=True)
    client.force_login(central)
    response = client.post(f"{BASE}/etats/{initial.pk}/modifier/", _state_data(initial, is_initial=False))
    assert "cochez « état initial » sur l'état qui doit le devenir" in response.context["form"].errors["is_initial"][0]
    response = client.post(f"{BASE}/etats/{initial.pk}/desactiver/", follow=True)
    assert "choisissez d'abord un autre état initial" in " ".join(_messages(response))
    response = client.post(f"{BASE}/etats/{initial.pk}/supprimer/", follow=True)
    assert "choisissez d'abord un autre état initial" in " ".join(_messages(response))
    initial.refresh_from_db()
    assert initial.is_initial and initial.is_active
    waiting = State.objects.get(label="À suivre")
    response = client.post(f"{BASE}/etats/{waiting.pk}/modifier/", _state_data(waiting, is_initial="on"))
    assert "doit être de la phase « Ouverte »" in response.context["form"].errors["is_initial"][0]
    assert list(State.objects.filter(is_initial=True)) == [initial]


def test_merging_the_initial_state_moves_the_flag_to_the_target(central):
    initial = State.objects.get(is_initial=True)
    other = State.objects.create(label="Reçue", phase=Phase.OPEN, colour="#1f5fa8")
    sr = _request(central)
    assert sr.state_id == initial.pk
    reference_merge(kind=KINDS["etats"], source=initial, target=other, actor=central)
    assert list(State.objects.filter(is_initial=True)) == [other]
    sr.refresh_from_db()
    assert sr.state_id == other.pk


def test_the_phase_of_a_state_used_by_requests_does_not_change(client, central):
    initial = State.objects.get(is_initial=True)
    _request(central)
    client.force_login(central)
    budget = State.objects.get(label="Budget pluriannuel")
    response = client.post(f"{BASE}/etats/{budget.pk}/modifier/", _state_data(budget, phase="in_progress"))
    assert response.status_code == 302  # unused: its phase may still change
    in_progress = State.objects.get(label="En cours")
    response = client.post(f"{BASE}/etats/{in_progress.pk}/modifier/", _state_data(in_progress, phase="waiting"))
    assert response.status_code == 302  # unused, and no longer the last of its phase
    response = client.post(f"{BASE}/etats/{initial.pk}/modifier/", _state_data(initial, phase="in_progress"))
    assert "reclasserait son historique" in response.context["form"].errors["phase"][0]
    initial.refresh_from_db()
    assert initial.phase == Phase.OPEN


def test_the_last_active_state_of_a_phase_the_workflow_needs_stays_active(client, central):
    done = State.objects.get(label="Réalisée")
    client.force_login(central)
    response = client.post(f"{BASE}/etats/{done.pk}/desactiver/", follow=True)
    assert "dernier état actif de la phase « Réalisée »" in " ".join(_messages(response))
    done.refresh_from_db()
    assert done.is_active
    budget = State.objects.get(label="Budget pluriannuel")  # waiting: the workflow never needs one
    assert client.post(f"{BASE}/etats/{budget.pk}/desactiver/").status_code == 302
    budget.refresh_from_db()
    assert not budget.is_active


@pytest.mark.parametrize(
    "colour, error",
    [
        ("bleu", "six chiffres"),
        ("#12345", "six chiffres"),
        ("#12345g", "six chiffres"),
        ("123456", "six chiffres"),
        ("#fff", "six chiffres"),
        ('#1f5"><', "six chiffres"),
        ("#ffeb3b", "trop claire"),
        ("#ffffff", "trop claire"),
    ],
)
def test_a_state_colour_is_a_dark_enough_hex_code(client, central, colour, error):
    state = State.objects.get(label="En cours")
    client.force_login(central)
    response = client.post(f"{BASE}/etats/{state.pk}/modifier/", _state_data(state, colour=colour))
    assert response.status_code == 200
    assert error in " ".join(response.context["form"].errors["colour"])
    state.refresh_from_db()
    assert state.colour == "#8a4b00"


def test_a_valid_colour_is_saved_in_lower_case_and_served_to_the_badges(client, central):
    state = State.objects.get(label="En cours")
    client.force_login(central)
    assert client.post(f"{BASE}/etats/{state.pk}/modifier/", _state_data(state, colour="#0B5CAD")).status_code == 302
    state.refresh_from_db()
    assert state.colour == "#0b5cad"
    assert (
        f'.state-badge[data-state="{state.pk}"] {{ --state-colour: #0b5cad; }}'
        in client.get("/etats.css").content.decode()
    )


def test_the_seeded_state_colours_are_readable():
    assert all(contrast_with_white(colour) >= 4.5 for _label, _phase, colour, _initial in STATES)


def test_the_default_priority_moves_and_never_goes_away(client, central):
    default = Priority.objects.get(is_default=True)
    high = Priority.objects.get(label="Haute")
    client.force_login(central)
    response = client.post(f"{BASE}/priorites/{default.pk}/desactiver/", follow=True)
    assert "choisissez d'abord une autre priorité par défaut" in " ".join(_messages(response))
    response = client.post(f"{BASE}/priorites/{default.pk}/modifier/", {"label": default.label})
    assert "is_default" in response.context["form"].errors
    assert (
        client.post(f"{BASE}/priorites/{high.pk}/modifier/", {"label": "Haute", "is_default": "on"}).status_code == 302
    )
    assert list(Priority.objects.filter(is_default=True)) == [high]
    reference_merge(kind=KINDS["priorites"], source=high, target=default, actor=central)
    assert list(Priority.objects.filter(is_default=True)) == [default]


# ---- Services and categories ----------------------------------------------------------------


def test_a_service_form_sets_its_members_and_records_it_on_each_user(client, central, voirie, agent):
    newcomer = AgentFactory(username="agent-nouveau")
    agent.services.add(ServiceFactory(name="Propreté"))  # so that leaving Voirie leaves them a service
    client.force_login(central)
    data = {"name": "Voirie", "email": "voirie@ville.test", "kind": "both", "members": [newcomer.pk]}
    assert client.post(f"{BASE}/services/{voirie.pk}/modifier/", data).status_code == 302
    assert list(voirie.members.all()) == [newcomer]
    assert _audits(newcomer, Action.UPDATED)[0].changes["services"]["after"] == "Voirie"
    assert _audits(agent, Action.UPDATED)[0].changes["services"] == {
        "label": "services",
        "before": "Propreté, Voirie",
        "after": "Propreté",
    }


def test_a_service_page_leaves_no_agent_without_a_service(client, central, voirie, agent):
    """As on the account form: an agent with no service sees no request at all."""
    other = AgentFactory(username="agent-seul", first_name="Paul", last_name="Seul", services=[voirie])
    kept = AgentFactory(username="agent-double", services=[voirie, ServiceFactory(name="Propreté")])
    retired = ElectedFactory(username="ancien-agent")
    retired.services.set([voirie])  # not an agent any more: the rule is the agents'
    client.force_login(central)
    data = {"name": "Voirie", "email": "voirie@ville.test", "kind": "both", "members": []}
    response = client.post(f"{BASE}/services/{voirie.pk}/modifier/", data)
    assert response.status_code == 200
    error = " ".join(response.context["form"].errors["members"])
    assert str(agent) in error and "Paul Seul" in error and str(kept) not in error and str(retired) not in error
    assert set(voirie.members.all()) == {agent, other, kept, retired} and not AdminChange.objects.exists()

    data["members"] = [agent.pk, other.pk]
    assert client.post(f"{BASE}/services/{voirie.pk}/modifier/", data).status_code == 302
    assert set(voirie.members.all()) == {agent, other}


def test_a_service_keeps_the_role_its_requests_give_it(client, central, voirie):
    _request(central, executing_service=voirie)
    client.force_login(central)
    data = {"name": "Voirie", "email": "", "kind": Service.Kind.INSTRUCTING}
    response = client.post(f"{BASE}/services/{voirie.pk}/modifier/", data)
    assert "doit rester service exécution" in response.context["form"].errors["kind"][0]
    voirie.refresh_from_db()
    assert voirie.kind == Service.Kind.BOTH


def test_a_service_categories_propose_is_not_deactivated(client, central, voirie):
    CategoryFactory(name="Chaussée", default_instructing_service=voirie)
    client.force_login(central)
    response = client.post(f"{BASE}/services/{voirie.pk}/desactiver/", follow=True)
    assert "Chaussée" in " ".join(_messages(response))
    voirie.refresh_from_db()
    assert voirie.is_active


def test_a_category_offers_only_active_services_of_the_right_role(client, central, voirie):
    retired = ServiceFactory(name="Ancien service", is_active=False)
    executing_only = ServiceFactory(name="Régie", kind=Service.Kind.EXECUTING)
    client.force_login(central)
    page = client.get(f"{BASE}/categories/nouveau/")
    instructing = page.context["form"].fields["default_instructing_service"].queryset
    assert voirie in instructing and retired not in instructing and executing_only not in instructing
    data = {"name": "Bancs", "default_instructing_service": executing_only.pk, "default_delay_days": "-3"}
    response = client.post(f"{BASE}/categories/nouveau/", data)
    assert set(response.context["form"].errors) == {"default_instructing_service", "default_delay_days"}
    assert not Category.objects.filter(name="Bancs").exists()


# ---- Answer templates: placeholders and preview ---------------------------------------------


def test_the_template_preview_renders_the_latest_request_and_lists_the_placeholders(client, central):
    old = _request(central, subject="Lampadaire éteint")
    latest = _request(central, subject="Banc cassé", requester_last_name="Lefèvre")
    template = AnswerTemplate.objects.create(
        name="Essai", subject="Demande {reference}", body="Bonjour {nom} : {objet}."
    )
    client.force_login(central)
    page = client.get(f"{BASE}/modeles-de-reponse/{template.pk}/apercu/").content.decode()
    assert f"Demande {latest.reference}" in page and "Bonjour Lefèvre : Banc cassé." in page
    assert old.reference not in page
    for token in ("{civilite}", "{reference}", "{service_instructeur}", "{echeance}"):
        assert token in page


def test_without_any_request_the_preview_uses_a_fictional_one(client, central):
    template = AnswerTemplate.objects.create(name="Essai", body="{civilite}, votre demande {reference}.")
    client.force_login(central)
    page = client.get(f"{BASE}/modeles-de-reponse/{template.pk}/apercu/").content.decode()
    assert "demande fictive" in page and f"Madame, votre demande {timezone.localdate().year}-00042." in page


def test_previewing_a_template_being_edited_saves_nothing(client, central):
    template = AnswerTemplate.objects.first()
    client.force_login(central)
    data = {"name": template.name, "subject": "", "body": "Texte {prenom} {inconnue}", "apercu": "1"}
    response = client.post(f"{BASE}/modeles-de-reponse/{template.pk}/modifier/", data)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Texte Jeanne {inconnue}" in page and "Variables inconnues" in page
    template.refresh_from_db()
    assert "{inconnue}" not in template.body and not AdminChange.objects.exists()


def test_a_template_with_an_unknown_placeholder_is_not_saved(client, central):
    client.force_login(central)
    data = {"name": "Nouveau", "subject": "{reference}", "body": "Bonjour {nom_complet}"}
    response = client.post(f"{BASE}/modeles-de-reponse/nouveau/", data)
    assert "{nom_complet}" in response.context["form"].errors["body"][0]
    assert not AnswerTemplate.objects.filter(name="Nouveau").exists()


# ---- Crafted addresses and data --------------------------------------------------------------


@pytest.mark.parametrize(
    "method, path",
    [
        ("get", "/inconnu/"),
        ("get", "/inconnu/nouveau/"),
        ("get", "/origines/999999/modifier/"),
        ("get", "/origines/0/supprimer/"),
        ("get", "/origines/99999999999999999999999/modifier/"),
        ("post", "/origines/999999/monter/"),
        ("post", "/inconnu/1/desactiver/"),
        ("get", "/origines/999999/fusionner/"),
        ("get", "/modeles-de-reponse/999999/apercu/"),
        ("get", "/origines/abc/modifier/"),
    ],
)
def test_crafted_kinds_and_ids_are_404(client, central, method, path):
    client.force_login(central)
    assert getattr(client, method)(BASE + path).status_code == 404


def test_an_entry_of_another_list_is_404_under_this_list(client, central):
    template = AnswerTemplate.objects.create(name="Seul modèle", body="Texte")
    Origin.objects.filter(pk=template.pk).delete()
    client.force_login(central)
    assert client.get(f"{BASE}/origines/{template.pk}/modifier/").status_code == 404
    assert client.get(f"{BASE}/modeles-de-reponse/{template.pk}/modifier/").status_code == 200


@pytest.mark.parametrize(
    "slug, data",
    [
        ("origines", {}),
        ("origines", {"name": "x" * 500}),
        ("origines", {"name": "   "}),
        ("quartiers", {"name": ["a", "b"], "code": "\x00"}),
        ("services", {"name": "S", "kind": "boss", "email": "pas-un-mail", "members": ["x", "999999"]}),
        ("services", {"name": "S", "kind": "both", "members": ["99999999999999999999999"]}),
        ("services", {"name": "S", "kind": "both", "members": ["²"]}),
        ("categories", {"name": "C", "default_instructing_service": "abc", "default_delay_days": "1e9"}),
        ("etats", {"label": "E", "phase": "archived", "colour": "#" + "0" * 50}),
        ("priorites", {"label": "  ", "is_default": "peut-être", "position": "-1"}),
        ("modeles-de-reponse", {"name": "M", "body": ""}),
    ],
)
def test_crafted_post_data_gets_a_form_error_never_a_500(client, central, slug, data):
    client.force_login(central)
    before = KINDS[slug].model.objects.count()
    response = client.post(f"{BASE}/{slug}/nouveau/", data)
    assert response.status_code == 200 and response.context["form"].errors
    assert KINDS[slug].model.objects.count() == before and not AdminChange.objects.exists()


def test_the_services_change_only_the_fields_of_the_form(central):
    origin = OriginFactory(name="Borne")
    with pytest.raises(ValueError):
        reference_update(kind=KINDS["origines"], entry=origin, data={"name": "B", "is_active": False}, actor=central)
    origin.refresh_from_db()
    assert origin.is_active and origin.name == "Borne"


def test_actions_on_an_entry_deleted_meanwhile_get_a_message(central):
    origin = OriginFactory(name="Éphémère")
    stale = Origin.objects.get(pk=origin.pk)
    origin.delete()
    with pytest.raises(ValidationError, match="n'existe plus"):
        reference_update(kind=KINDS["origines"], entry=stale, data={"name": "Autre"}, actor=central)
    with pytest.raises(ValidationError, match="n'existe plus"):
        reference_deactivate(kind=KINDS["origines"], entry=stale, actor=central)


def test_a_service_takes_several_shared_addresses_and_refuses_a_wrong_one(client, central):
    from eusp.directory.models import Service

    client.force_login(central)
    url = "/administration/listes/services/nouveau/"
    wrong = {"name": "Régie", "email": "regie@ville.test, astreinte", "kind": "both"}
    response = client.post(url, wrong)
    assert "Adresse e-mail non valide : astreinte." in response.content.decode()
    assert not Service.objects.filter(name="Régie").exists()
    client.post(url, {**wrong, "email": "regie@ville.test; astreinte@ville.test"})
    assert Service.objects.get(name="Régie").email_addresses == ["regie@ville.test", "astreinte@ville.test"]


@pytest.mark.parametrize(
    "value, pk",
    [
        ("1", 1),
        (42, 42),
        ("0042", 42),
        (str(2**63 - 1), 2**63 - 1),
        (str(2**63), None),
        ("99999999999999999999999", None),
        (10**30, None),
        ("0", None),
        (0, None),
        ("-1", None),
        ("+1", None),
        (" 1", None),
        ("1 ", None),
        ("²", None),
        ("١٢", None),  # Arabic-Indic digits: int() would take them
        ("1e3", None),
        ("", None),
        (None, None),
        (True, None),
        (1.0, None),
    ],
)
def test_parse_pk_takes_only_ids_a_database_key_holds(value, pk):
    from eusp.administration.forms import parse_pk

    assert parse_pk(value) == pk


@pytest.mark.parametrize("pk", [2**31, 2**40])
def test_an_entry_id_beyond_32_bits_is_looked_up(client, central, pk):
    """PostgreSQL's bigint keys go past 2**31: such an entry still opens."""
    Origin.objects.create(pk=pk, name="Grande clé", position=99)
    client.force_login(central)
    assert client.get(f"{BASE}/origines/{pk}/modifier/").status_code == 200


def test_the_lists_home_gives_every_list_with_its_size(client, central):
    OriginFactory(name="Minitel", is_active=False)
    client.force_login(central)
    response = client.get("/administration/listes/")
    page = response.content.decode()
    assert response.status_code == 200
    for slug in ("origines", "quartiers", "services", "categories", "etats", "priorites", "modeles-de-reponse"):
        assert f'href="/administration/listes/{slug}/"' in page


def test_a_category_is_refused_a_default_service_of_the_wrong_role_or_deactivated(central):
    from django.core.exceptions import ValidationError

    from eusp.administration.reference.registry import kind_get
    from eusp.administration.reference.services import reference_create

    categories = kind_get("categories")
    executing_only = ServiceFactory(name="Régie", kind=Service.Kind.EXECUTING)
    closed = ServiceFactory(name="Ancien service", is_active=False)
    with pytest.raises(ValidationError) as wrong_role:
        reference_create(
            kind=categories, data={"name": "Bancs", "default_instructing_service": executing_only}, actor=central
        )
    assert wrong_role.value.message_dict["default_instructing_service"] == ["Ce service n'instruit pas les demandes."]
    with pytest.raises(ValidationError) as deactivated:
        reference_create(kind=categories, data={"name": "Bancs", "default_executing_service": closed}, actor=central)
    assert deactivated.value.message_dict["default_executing_service"] == [
        "Ce service est désactivé : choisissez un service actif."
    ]
    assert not Category.objects.filter(name="Bancs").exists()


def test_saving_a_services_members_costs_the_same_queries_for_3_or_20_newcomers(client, central, voirie):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(central)
    url = f"{BASE}/services/{voirie.pk}/modifier/"
    elsewhere = ServiceFactory(name="Propreté")  # so that leaving Voirie leaves them a service

    def queries(count: int) -> int:
        newcomers = [AgentFactory(services=[elsewhere]) for _ in range(count)]
        data = {"name": "Voirie", "email": "", "kind": "both", "members": [user.pk for user in newcomers]}
        with CaptureQueriesContext(connection) as captured:
            assert client.post(url, data).status_code == 302
        return len(captured)

    client.get(url)  # the session and the settings read once
    queries(3)  # from now on, each save also takes the previous members away
    assert queries(3) == queries(20)
    # One record per account whose services changed: joined, then left.
    assert AdminChange.objects.filter(target_type="accounts.user", action=Action.UPDATED).count() == 3 + 6 + 23
