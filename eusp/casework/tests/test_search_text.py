"""Folding and reading what is typed in the search box."""

import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from eusp.casework.search.text import fold, query_terms, reference_in


@pytest.mark.parametrize(
    "text, folded",
    [
        ("Éclairage – Rue Louis-Pasteur", "eclairage rue louis pasteur"),
        ("ÉCOLE Jean-Zay", "ecole jean zay"),
        ("cœur de ville, L'Haÿ", "coeur de ville l hay"),
        ("jean.dupont@example.org", "jean dupont example org"),
        ("", ""),
        (None, ""),
    ],
)
def test_fold(text, folded):
    assert fold(text) == folded


def test_query_terms_fold_and_deduplicate():
    assert query_terms("eclairage rue Pasteur RUE") == ["eclairage", "rue", "pasteur"]
    assert query_terms("Éclairage – Rue Louis-Pasteur") == ["eclairage", "rue", "louis", "pasteur"]


@pytest.mark.parametrize("typed", ["06 12 34 56 78", "06.12.34.56.78", "0612345678", "+33 6 12 34 56 78"])
def test_a_phone_number_is_one_term(typed):
    [term] = query_terms(typed)
    assert term.endswith("612345678")


def test_lone_letters_are_dropped_but_house_numbers_kept():
    assert query_terms("l'école 5 rue d'Arc") == ["ecole", "5", "rue", "arc"]


def test_nothing_to_search():
    assert query_terms("  — ! ") == []
    assert query_terms("\x00") == []
    assert len(query_terms(" ".join(f"mot{n}" for n in range(50)))) == 12


@pytest.mark.parametrize(
    "typed, reference",
    [("2026-00042", "2026-00042"), ("42", "2026-00042"), (" 0042 ", "2026-00042"), ("2025-7", "2025-00007")],
)
def test_a_reference_is_recognised(typed, reference):
    assert reference_in(typed, today=datetime.date(2026, 12, 4)) == reference


@pytest.mark.parametrize("typed", ["rue 42", "42 rue", "", "2026-", "nid de poule"])
def test_words_are_not_a_reference(typed):
    assert reference_in(typed) is None


@given(st.text())
def test_folded_text_is_lowercase_ascii_words(text):
    folded = fold(text)
    assert folded == folded.strip()
    assert all(c.isascii() and (c.isalnum() or c == " ") for c in folded)
    assert fold(folded) == folded
