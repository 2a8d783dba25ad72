"""Pages of a sorted list that stay fast at a million rows: keyset ("after this row")
rather than OFFSET, and the last page read backwards from the end.

A page link carries the sort key of the row it continues from (``apres``, ``avant``), or
``fin`` for the last page. A malformed cursor is ignored: the first page is shown.
"""

import base64
import json
from dataclasses import dataclass
from datetime import date, datetime

from django.db.models import F, Q, QuerySet, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

# Requests without a due date sort after every dated one. The index on it (ServiceRequest.Meta)
# must use this very expression for PostgreSQL to walk it.
DUE_KEY = Coalesce("due_on", Value(date(9999, 12, 31)))


@dataclass(frozen=True)
class Sort:
    label: str
    # (annotation or field name, its type) in order; all ascending or all descending.
    keys: tuple[tuple[str, type], ...]
    descending: bool


# The sortable columns of request lists (each backed by an index, see ServiceRequest.Meta).
SORTS = {
    "-created": Sort(_("Saisie, plus récentes d'abord"), (("created_at", datetime), ("id", int)), True),
    "created": Sort(_("Saisie, plus anciennes d'abord"), (("created_at", datetime), ("id", int)), False),
    "-received": Sort(_("Réception, plus récentes d'abord"), (("received_on", date), ("id", int)), True),
    "received": Sort(_("Réception, plus anciennes d'abord"), (("received_on", date), ("id", int)), False),
    "due": Sort(_("Échéance, la plus proche d'abord"), (("due_key", date), ("id", int)), False),
    "-due": Sort(_("Échéance, la plus lointaine d'abord"), (("due_key", date), ("id", int)), True),
    "reference": Sort(_("Référence croissante"), (("year", int), ("number", int)), False),
    "-reference": Sort(_("Référence décroissante"), (("year", int), ("number", int)), True),
}
DEFAULT_SORT = "-created"


def sort_annotate(qs: QuerySet) -> QuerySet:
    return qs.annotate(due_key=DUE_KEY)


@dataclass
class KeysetPage:
    rows: list
    next_cursor: str | None
    previous_cursor: str | None
    is_first: bool
    is_last: bool


def _encode(values: list) -> str:
    raw = json.dumps([v.isoformat() if isinstance(v, date | datetime) else v for v in values])
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode(cursor: str, sort: Sort) -> list | None:
    try:
        raw = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode())
        if not isinstance(raw, list) or len(raw) != len(sort.keys):
            return None
        values = []
        for value, (_name, kind) in zip(raw, sort.keys, strict=True):
            if kind is int:
                values.append(int(value))
            elif kind is datetime:
                values.append(datetime.fromisoformat(value))
            else:
                values.append(date.fromisoformat(value))
        return values
    except (ValueError, TypeError, UnicodeDecodeError, json.JSONDecodeError):
        return None


def _beyond(sort: Sort, values: list, *, forward: bool) -> Q:
    """Rows strictly after ``values`` in the sort order (before, when not ``forward``)."""
    descending = sort.descending == forward
    op = "lt" if descending else "gt"
    condition = Q()
    for i, (name, _kind) in enumerate(sort.keys):
        step = Q(**{f"{name}__{op}": values[i]})
        for earlier, (earlier_name, _k) in enumerate(sort.keys[:i]):
            step &= Q(**{earlier_name: values[earlier]})
        condition |= step
    # A bound on the first key too, so the database starts its index scan at the cursor.
    first = sort.keys[0][0]
    return condition & Q(**{f"{first}__{op}e": values[0]})


def _ordering(sort: Sort, *, forward: bool) -> list:
    descending = sort.descending == forward
    return [F(name).desc() if descending else F(name).asc() for name, _kind in sort.keys]


def keyset_page(qs: QuerySet, sort: Sort, *, after: str = "", before: str = "", last: bool = False, size: int = 50):
    qs = sort_annotate(qs)
    after_values = _decode(after, sort) if after else None
    before_values = _decode(before, sort) if before and not after_values else None
    if last and not (after_values or before_values):
        rows = list(qs.order_by(*_ordering(sort, forward=False))[: size + 1])
        more = len(rows) > size
        rows = rows[:size][::-1]
        return _page(sort, rows, has_previous=more, has_next=False)
    if before_values:
        rows = list(
            qs.filter(_beyond(sort, before_values, forward=False)).order_by(*_ordering(sort, forward=False))[: size + 1]
        )
        more = len(rows) > size
        rows = rows[:size][::-1]
        return _page(sort, rows, has_previous=more, has_next=True)
    if after_values:
        qs = qs.filter(_beyond(sort, after_values, forward=True))
    rows = list(qs.order_by(*_ordering(sort, forward=True))[: size + 1])
    return _page(sort, rows[:size], has_previous=after_values is not None, has_next=len(rows) > size)


def _page(sort: Sort, rows: list, *, has_previous: bool, has_next: bool) -> KeysetPage:
    def cursor(row) -> str:
        return _encode([getattr(row, name) for name, _kind in sort.keys])

    return KeysetPage(
        rows=rows,
        next_cursor=cursor(rows[-1]) if rows and has_next else None,
        previous_cursor=cursor(rows[0]) if rows and has_previous else None,
        is_first=not has_previous,
        is_last=not has_next,
    )
