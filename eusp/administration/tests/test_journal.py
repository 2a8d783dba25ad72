"""/administration/journal/: every administrative change is listed, filtered, and never
rewritten."""

import pytest

from eusp.administration.audit import Action, audit_record, snapshot
from eusp.administration.models import AdminChange
from eusp.directory.models import Origin
from tests.factories import CentralFactory, OriginFactory

pytestmark = pytest.mark.django_db

URL = "/administration/journal/"


def _rename(actor, origin: Origin, name: str) -> AdminChange:
    before = snapshot(origin, ["name"])
    origin.name = name
    origin.save()
    return audit_record(actor, Action.UPDATED, origin, before=before, after=snapshot(origin, ["name"]))


def test_the_journal_lists_who_changed_what_from_what_to_what(client, central):
    origin = OriginFactory(name="Courier postal")
    _rename(central, origin, "Courrier postal")
    client.force_login(central)
    body = client.get(URL).content.decode()
    assert "Modification" in body
    assert "Courrier postal" in body and "Origines" in body
    assert "<strong>nom</strong> : Courier postal → Courrier postal" in body
    assert str(central) in body


def test_filters_narrow_the_journal(client, central):
    other = CentralFactory(username="autre-central")
    origin = OriginFactory(name="Tél.")
    _rename(central, origin, "Numéro gratuit")
    _rename(other, origin, "Numéro vert")
    audit_record(central, Action.CREATED, central, label="Compte créé pour le test")
    client.force_login(central)
    by_type = client.get(URL, {"type": "directory.origin"}).content.decode()
    assert "Numéro vert" in by_type and "Compte créé pour le test" not in by_type
    by_author = client.get(URL, {"auteur": other.pk}).content.decode()
    assert "Tél. → Numéro gratuit" not in by_author and "Numéro gratuit → Numéro vert" in by_author
    by_action = client.get(URL, {"action": "created"}).content.decode()
    assert "Compte créé pour le test" in by_action and "Numéro vert" not in by_action
    twin = OriginFactory(name="Tél. bis")
    _rename(central, twin, "Numéro vert bis")
    one_entry = client.get(URL, {"type": "directory.origin", "objet": origin.pk}).content.decode()
    assert one_entry.count("→ Numéro vert") == 1
    assert "Numéro vert bis" not in one_entry  # another entry of the same list


def test_the_period_and_the_name_narrow_the_journal(client, central):
    import datetime

    from django.utils import timezone

    old = _rename(central, OriginFactory(name="Fax"), "Télécopie")
    AdminChange.objects.filter(pk=old.pk).update(at=timezone.now() - datetime.timedelta(days=40))
    _rename(central, OriginFactory(name="Guichet"), "Accueil du public")
    client.force_login(central)
    today = timezone.localdate()
    recent = client.get(URL, {"du": (today - datetime.timedelta(days=7)).isoformat()}).content.decode()
    assert "Accueil du public" in recent and "Télécopie" not in recent
    older = client.get(URL, {"au": (today - datetime.timedelta(days=30)).isoformat()}).content.decode()
    assert "Télécopie" in older and "Accueil du public" not in older
    named = client.get(URL, {"q": "accueil"}).content.decode()
    assert "Accueil du public" in named and "Télécopie" not in named


@pytest.mark.parametrize(
    "params",
    [
        {"type": "nimporte.quoi"},
        {"auteur": "abc"},
        {"du": "2026-13-45"},
        {"page": "-4"},
        {"action": "x" * 500},
        {"au": "9999-12-31"},
        {"du": "0001-01-01"},
    ],
)
def test_crafted_filters_get_a_page_not_an_error(client, central, params):
    OriginFactory(name="Lettre")
    client.force_login(central)
    assert client.get(URL, params).status_code == 200


def test_an_update_that_changes_nothing_is_not_recorded(central):
    origin = OriginFactory(name="Lettre")
    assert _rename(central, origin, "Lettre") is None
    assert not AdminChange.objects.exists()


def test_a_recorded_change_cannot_be_rewritten(central):
    change = _rename(central, OriginFactory(name="A"), "B")
    change.note = "réécrit"
    with pytest.raises(ValueError):
        change.save()


def test_the_page_costs_the_same_queries_for_many_changes(client, central):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    origin = OriginFactory(name="Lettre")
    client.force_login(central)

    def queries_for_the_page() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(URL).status_code == 200
        return len(captured)

    _rename(CentralFactory(), origin, "Lettre 0")
    queries_for_the_page()  # the first page also reads the session and the city's settings
    few = queries_for_the_page()
    for number in range(1, 40):
        _rename(CentralFactory(), origin, f"Lettre {number}")
    assert queries_for_the_page() == few
