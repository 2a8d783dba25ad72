"""The word search, on SQLite and PostgreSQL: folding, every field, ranking, notes, and
never a request the user may not see."""

import pytest
from django.db import connection

from eusp.casework.models import ServiceRequest
from eusp.casework.permissions import visible_requests
from eusp.casework.search.query import text_filter, text_ranked_ids
from eusp.casework.search.text import query_terms
from eusp.casework.selectors import requests_in_order
from eusp.casework.services import request_comment
from tests.factories import AgentFactory, ElectedFactory, ServiceFactory, ServiceRequestFactory

pytestmark = pytest.mark.django_db


def _find(user, query: str, field: str = "") -> list[str]:
    terms = query_terms(query)
    qs = text_filter(visible_requests(user), terms, user=user, field=field)
    return [sr.subject for sr in requests_in_order(text_ranked_ids(qs, terms, field=field))]


@pytest.fixture
def city(central):
    roads = ServiceFactory(name="Voirie")
    make = ServiceRequestFactory
    requests = {
        "lamp": make(
            created_by=central, subject="Éclairage – Rue Louis-Pasteur", location_address="3 rue Louis-Pasteur",
            requester_last_name="Lefèvre", requester_first_name="Éloïse", requester_phone="06 12 34 56 78",
            requester_email="eloise.lefevre@example.org", requester_postcode="45100", instructing_service=roads,
        ),
        "pothole": make(
            created_by=central, subject="Nid de poule avenue Jean-Jaurès", location_address="avenue Jean-Jaurès",
            description="Près de l'éclairage public", requester_last_name="Martin", requester_postcode="45000",
        ),
        "tag": make(
            created_by=central, subject="Tag sur l'école Pasteur", location_address="école Pasteur",
            requester_last_name="Pasteur", requester_first_name="Louis",
        ),
    }  # fmt: skip
    return requests, roads


def test_case_and_accents_are_folded(central, city):
    assert _find(central, "eclairage rue pasteur") == ["Éclairage – Rue Louis-Pasteur"]
    assert _find(central, "ÉCLAIRAGE") == ["Éclairage – Rue Louis-Pasteur", "Nid de poule avenue Jean-Jaurès"]
    assert _find(central, "jaures") == ["Nid de poule avenue Jean-Jaurès"]


def test_every_word_must_be_found_somewhere(central, city):
    assert _find(central, "eclairage ecole") == []
    assert _find(central, "ecole pasteur") == ["Tag sur l'école Pasteur"]


def test_a_word_in_the_subject_ranks_before_the_same_word_elsewhere(central, city):
    # « pasteur »: subject of two requests, the requester's name of one of them.
    found = _find(central, "pasteur")
    assert set(found) == {"Éclairage – Rue Louis-Pasteur", "Tag sur l'école Pasteur"}
    assert _find(central, "eclairage") == ["Éclairage – Rue Louis-Pasteur", "Nid de poule avenue Jean-Jaurès"]


@pytest.mark.parametrize(
    "query", ["Lefèvre", "lefevre", "eloise", "eloise.lefevre@example.org", "06 12 34 56 78", "0612345678", "0612"]
)
def test_the_requester_is_found_by_name_email_or_phone(central, city, query):
    assert _find(central, query) == ["Éclairage – Rue Louis-Pasteur"]


def test_a_word_beginning_finds_the_whole_word(central, city):
    assert _find(central, "eclai") == ["Éclairage – Rue Louis-Pasteur", "Nid de poule avenue Jean-Jaurès"]


def test_a_search_restricted_to_one_field(central, city):
    assert _find(central, "pasteur", field="demandeur") == ["Tag sur l'école Pasteur"]
    assert _find(central, "eclairage", field="objet") == ["Éclairage – Rue Louis-Pasteur"]
    assert _find(central, "45000", field="adresse") == ["Nid de poule avenue Jean-Jaurès"]
    assert _find(central, "45000", field="objet") == []


def test_timeline_notes_are_searched_and_internal_ones_not_for_elus(central, city):
    requests, _roads = city
    elu = ElectedFactory()
    sr = requests["pothole"]
    ServiceRequest.objects.filter(pk=sr.pk).update(referent_official=elu)
    request_comment(sr=sr, actor=central, note="Enrobé à froid prévu jeudi.")
    request_comment(sr=sr, actor=central, note="Riverain procédurier, prudence.", is_internal=True)
    assert _find(central, "enrobe") == _find(elu, "enrobe") == ["Nid de poule avenue Jean-Jaurès"]
    assert _find(central, "procedurier") == ["Nid de poule avenue Jean-Jaurès"]
    assert _find(elu, "procedurier") == []


def test_an_agent_never_finds_another_services_request(city):
    _requests, roads = city
    agent = AgentFactory(services=[roads])
    assert _find(agent, "pasteur") == ["Éclairage – Rue Louis-Pasteur"]
    assert _find(agent, "jaures") == []
    assert _find(agent, "martin") == []


@pytest.mark.parametrize("scan_limit", [2, 20000])  # read by the date index, or from the word index
def test_a_word_found_everywhere_ranks_the_most_recent_matches(central, monkeypatch, scan_limit):
    monkeypatch.setattr("eusp.casework.search.query.RANKED_CANDIDATES", 2)
    monkeypatch.setattr("eusp.casework.search.query.SCAN_LIMIT", scan_limit)
    ServiceRequestFactory(created_by=central, subject="Rue ancienne")
    ServiceRequestFactory(created_by=central, subject="Trottoir", description="rue")
    ServiceRequestFactory(created_by=central, subject="Rue récente")
    # Three matches, two candidates: the oldest is left out, then the subject match first.
    assert _find(central, "rue") == ["Rue récente", "Trottoir"]


def test_matches_are_read_once_up_to_the_scan_limit(central, monkeypatch):
    from eusp.casework.search.query import text_matches

    monkeypatch.setattr("eusp.casework.search.query.SCAN_LIMIT", 2)
    for n in range(3):
        ServiceRequestFactory(created_by=central, subject=f"Banc {n}")
    matches = text_matches(text_filter(visible_requests(central), ["banc"], user=central))
    assert len(matches) == 3  # the limit, and one more to say « more »


def test_short_words_are_matched_whole(central):
    ServiceRequestFactory(created_by=central, subject="Trou", location_address="5 rue du Lac")
    ServiceRequestFactory(created_by=central, subject="Banc", location_address="52 rue du Lac")
    assert _find(central, "5 rue du lac") == ["Trou"]
    assert _find(central, "5 rue", field="adresse") == ["Trou"]
    assert set(_find(central, "lac")) == {"Trou", "Banc"}


def test_a_word_is_not_cut_to_its_stem_before_looking_for_longer_words(central):
    # French stemming cuts « rue » to « ru »: looked for as a beginning, that found « rural »
    # and « russe »; the typed word is the beginning, its stem only finds its own forms.
    ServiceRequestFactory(created_by=central, requester_address="", subject="Chemin rural défoncé")
    ServiceRequestFactory(created_by=central, requester_address="", subject="Trou", location_address="3 rue du Lac")
    ServiceRequestFactory(created_by=central, requester_address="", subject="Ruelle sombre")
    ServiceRequestFactory(created_by=central, requester_address="", subject="Deux rues sales")
    assert set(_find(central, "rue")) == {"Trou", "Ruelle sombre", "Deux rues sales"}
    ServiceRequestFactory(created_by=central, requester_address="", subject="Éclairage en panne")
    assert _find(central, "eclaira") == ["Éclairage en panne"]
    if connection.vendor == "postgresql":  # French forms are PostgreSQL's (stemming)
        assert set(_find(central, "rues")) == {"Trou", "Deux rues sales"}
        assert _find(central, "eclairages") == ["Éclairage en panne"]


def test_the_quick_search_ranks_fewer_recent_matches_than_a_list(client, central, monkeypatch):
    monkeypatch.setattr("eusp.casework.views.search.QUICK_CANDIDATES", 2)
    ServiceRequestFactory(created_by=central, requester_address="", subject="Banc cassé")  # the best, but oldest
    ServiceRequestFactory(created_by=central, requester_address="", subject="Trou", description="près du banc")
    ServiceRequestFactory(created_by=central, requester_address="", subject="Tag", description="sur un banc")
    client.force_login(central)
    html = client.get("/demandes/recherche-rapide/", {"q": "banc"}).content.decode()
    assert "Tag" in html and "Trou" in html and "Banc cassé" not in html
    assert _find(central, "banc")[0] == "Banc cassé"  # a list ranks them all
