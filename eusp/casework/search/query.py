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
    qs: QuerySet,
    terms: list[str],
    *,
    field: str = "",
    matches: list[tuple[int, datetime]] | None = None,
    candidates: int | None = None,
) -> list[int]:
    """Ids of the matching requests, best matches first (then newest), at most
    ``candidates`` (``RANKED_CANDIDATES``): the most recent matches are the candidates, then ranked.

    Planned by hand, because one query is planned badly one way or the other: the
    matches of a word found in up to ``SCAN_LIMIT`` requests are read from the word index
    and the newest kept here; for a word found everywhere, walking the date index
    backwards meets enough of them at once."""
    field = _field(field)
    candidates = candidates or RANKED_CANDIDATES
    if matches is None:
        matches = text_matches(qs)
    if len(matches) > SCAN_LIMIT:
        ids = list(qs.order_by("-created_at", "-pk").values_list("pk", flat=True)[:candidates])
    else:
        matches.sort(key=lambda row: (row[1], row[0]), reverse=True)
        ids = [pk for pk, _created in matches[:candidates]]
    if connection.vendor == "postgresql":
        rank = RawSQL("ts_rank_cd(search_vector, %s::tsquery)", [_tsquery(terms, field)])
    else:
        rank = _sqlite_rank(terms, field)
    rows = list(qs.model.objects.filter(pk__in=ids).annotate(rank=rank).values_list("pk", "rank", "created_at"))
    rows.sort(key=lambda row: (-row[1], -row[2].timestamp(), -row[0]))
    return [row[0] for row in rows]


# --- PostgreSQL -------------------------------------------------------------------------


# Stems of the folded words searched lately: French stemming is PostgreSQL's, asked once.
_STEMS: dict[str, str] = {}
STEMS_KEPT = 10_000


def _stems(terms: list[str]) -> dict[str, str]:
    """Each term's French stem (« rues » → « ru »), empty for a stop word (« le »)."""
    missing = sorted({term for term in terms if term not in _STEMS})
    if missing:
        if len(_STEMS) > STEMS_KEPT:
            _STEMS.clear()
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT term, coalesce((tsvector_to_array(to_tsvector('french'::regconfig, term)))[1], '') "
                "FROM unnest(%s::text[]) AS term",
                [missing],
            )
            _STEMS.update(cursor.fetchall())
    return {term: _STEMS.get(term, term) for term in terms}


def _tsquery(terms: list[str], field: SearchField) -> str:
    """The tsquery text: every term, as its own forms (its stem) or as the beginning of a
    longer word. The typed word is that beginning, not its stem: « rue », cut to « ru »,
    would find « rural » — and, found in every address, cost a scan of the word index for
    every word beginning with « ru ». A short word (« 5 ») is taken whole, or it would
    match a good part of the city; a stop word (« le ») says nothing and is left out."""
    # Terms are folded to [0-9a-z] words, and so are their stems: nothing is tsquery syntax.
    weight = WEIGHT.get(field, "")
    stems = _stems(terms)
    parts = []
    for term in terms:
        stem = stems[term]
        if not stem:
            continue
        if len(term) < MIN_PREFIX:
            parts.append(f"'{stem}'" + (f":{weight}" if weight else ""))
        elif stem == term:
            parts.append(f"'{term}':*{weight}")
        else:
            parts.append(f"('{stem}'" + (f":{weight}" if weight else "") + f" | '{term}':*{weight})")
    return " & ".join(parts)


def _pg_match(terms: list[str], field: SearchField, internal: bool):
    tsquery = _tsquery(terms, field)
    if not tsquery:  # stop words only
        return RawSQL("false", [], output_field=BooleanField())
    sql = "search_vector @@ %s::tsquery"
    params = [tsquery]
    if internal and field in (SearchField.ALL, SearchField.NOTES):
        # Internal notes have their own vector (no weights): searched without the weight.
        sql = f"({sql} OR search_internal_vector @@ %s::tsquery)"
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
