"""The word search over requests: PostgreSQL full text (french, unaccented, weighted), or
on SQLite a plain folded substring match — correct everywhere, fast on PostgreSQL.

Only ever applied to a queryset that ``visible_requests`` already limited: the search
adds conditions, never rows.
"""

from datetime import datetime
from enum import StrEnum

from django.db import connection
from django.db.models import BooleanField, Case, F, FloatField, Func, IntegerField, Q, QuerySet, Value, When
from django.db.models.expressions import RawSQL
from django.db.models.functions import Concat, Replace
from django.utils.translation import gettext_lazy as _

from eusp.accounts.models import Profile, User


class SearchField(StrEnum):
    """Where the words are looked for (advanced search); each is a weight of the vector."""

    ALL = ""
    SUBJECT = "objet"
    REQUESTER = "demandeur"
    ADDRESS = "adresse"
    NOTES = "notes"

    @classmethod
    def choices(cls):
        return [
            (cls.ALL.value, _("Partout")),
            (cls.SUBJECT.value, _("Objet")),
            (cls.REQUESTER.value, _("Demandeur (nom, e-mail, téléphone)")),
            (cls.ADDRESS.value, _("Adresses et code postal")),
            (cls.NOTES.value, _("Description et notes de l'historique")),
        ]


WEIGHT = {SearchField.SUBJECT: "A", SearchField.REQUESTER: "B", SearchField.ADDRESS: "C", SearchField.NOTES: "D"}
# The best matches are ranked among the most recent matching requests, so that a word found
# in half the city's requests still answers at once.
RANKED_CANDIDATES = 1000
SCAN_LIMIT = 3000
MIN_PREFIX = 3


def reads_internal_notes(user: User) -> bool:
    """Élus do not read internal notes: their words must not find a request either."""
    return user.profile in (Profile.CENTRAL, Profile.AGENT)


def _field(value: str) -> SearchField:
    """The field asked for; anything else (a crafted URL) searches everywhere."""
    return SearchField(value) if value in SearchField._value2member_map_ else SearchField.ALL


def text_filter(qs: QuerySet, terms: list[str], *, user: User, field: str = "") -> QuerySet:
    """``qs`` narrowed to the requests holding every term (a word's beginning, folded)."""
    if not terms:
        return qs
    field = _field(field)
    if connection.vendor == "postgresql":
        return qs.filter(_pg_match(terms, field, reads_internal_notes(user)))
    return qs.filter(_sqlite_match(terms, field, reads_internal_notes(user)))


def text_matches(qs: QuerySet) -> list[tuple[int, datetime]]:
    """(id, created_at) of the matching requests, read from the word index, at most
    ``SCAN_LIMIT`` + 1 (one more says « more than that »). One read that the list's count,
    its pages and its ranking all use."""
    return list(qs.order_by().values_list("pk", "created_at")[: SCAN_LIMIT + 1])


def text_ranked_ids(
    qs: QuerySet, terms: list[str], *, field: str = "", matches: list[tuple[int, datetime]] | None = None
) -> list[int]:
    """Ids of the matching requests, best matches first (then newest), at most
    ``RANKED_CANDIDATES``: the most recent matches are the candidates, then ranked.

    Planned by hand, because one query is planned badly one way or the other: the
    matches of a word found in up to ``SCAN_LIMIT`` requests are read from the word index
    and the newest kept here; for a word found everywhere, walking the date index
    backwards meets enough of them at once."""
    field = _field(field)
    if matches is None:
        matches = text_matches(qs)
    if len(matches) > SCAN_LIMIT:
        ids = list(qs.order_by("-created_at", "-pk").values_list("pk", flat=True)[:RANKED_CANDIDATES])
    else:
        matches.sort(key=lambda row: (row[1], row[0]), reverse=True)
        ids = [pk for pk, _created in matches[:RANKED_CANDIDATES]]
    if connection.vendor == "postgresql":
        rank = RawSQL("ts_rank_cd(search_vector, to_tsquery('french'::regconfig, %s))", [_tsquery(terms, field)])
    else:
        rank = _sqlite_rank(terms, field)
    rows = list(qs.model.objects.filter(pk__in=ids).annotate(rank=rank).values_list("pk", "rank", "created_at"))
    rows.sort(key=lambda row: (-row[1], -row[2].timestamp(), -row[0]))
    return [row[0] for row in rows]


# --- PostgreSQL -------------------------------------------------------------------------


def _tsquery(terms: list[str], field: SearchField) -> str:
    # Terms are folded to [0-9a-z] words: nothing in them is tsquery syntax.
    # A word's beginning finds the word; a short one (« 5 », « du ») is taken whole, or it
    # would match a good part of the city.
    weight = WEIGHT.get(field, "")
    parts = []
    for term in terms:
        label = ("*" if len(term) >= MIN_PREFIX else "") + weight
        parts.append(f"{term}:{label}" if label else term)
    return " & ".join(parts)


def _pg_match(terms: list[str], field: SearchField, internal: bool):
    tsquery = _tsquery(terms, field)
    sql = "search_vector @@ to_tsquery('french'::regconfig, %s)"
    params = [tsquery]
    if internal and field in (SearchField.ALL, SearchField.NOTES):
        # Internal notes have their own vector (no weights): searched without the weight.
        sql = f"({sql} OR search_internal_vector @@ to_tsquery('french'::regconfig, %s))"
        params.append(_tsquery(terms, SearchField.ALL))
    # Constant SQL, the query passed as a parameter.
    return RawSQL(sql, params, output_field=BooleanField())  # noqa: S611


# --- SQLite (and any other database): folded substrings ---------------------------------


def _fold(*fields) -> Func:
    parts = []
    for name in fields:
        parts += [F(name), Value(" ")]
    return Func(Concat(*parts[:-1]) if len(parts) > 2 else parts[0], function="eusp_fold")


def _phone_digits() -> Func:
    digits = F("requester_phone")
    for separator in (" ", ".", "-", "(", ")", "+"):
        digits = Replace(digits, Value(separator), Value(""))
    return digits


def _sqlite_texts(field: SearchField, internal: bool) -> dict[str, Func]:
    texts = {
        SearchField.SUBJECT: _fold("subject"),
        SearchField.REQUESTER: Concat(
            _fold("requester_last_name", "requester_first_name", "requester_email"), Value(" "), _phone_digits()
        ),
        SearchField.ADDRESS: _fold("location_address", "requester_address", "requester_postcode", "requester_city"),
        SearchField.NOTES: _fold("description", "search_notes", "search_internal_notes")
        if internal
        else _fold("description", "search_notes"),
    }
    return texts if field == SearchField.ALL else {field: texts[field]}


def _like(text, term: str) -> Func:
    """The term at a word's beginning (whole, when short), as PostgreSQL's prefix match."""
    pattern = f"% {term} %" if len(term) < MIN_PREFIX else f"% {term}%"
    padded = Concat(Value(" "), text, Value(" "))
    return Func(padded, Value(pattern), function="", arg_joiner=" LIKE ", output_field=BooleanField())


def _sqlite_match(terms: list[str], field: SearchField, internal: bool) -> Q:
    texts = _sqlite_texts(field, internal)
    condition = Q()
    for term in terms:
        found = Q()
        for text in texts.values():
            found |= Q(_like(text, term))
        condition &= found
    return condition


SQLITE_POINTS = {SearchField.SUBJECT: 8, SearchField.REQUESTER: 4, SearchField.ADDRESS: 2, SearchField.NOTES: 1}


def _sqlite_rank(terms: list[str], field: SearchField):
    points = Value(0, output_field=IntegerField())
    for term in terms:
        for key, text in _sqlite_texts(field, internal=False).items():
            points = points + Case(When(_like(text, term), then=Value(SQLITE_POINTS[key])), default=Value(0))
    return Func(points, function="", output_field=FloatField())
