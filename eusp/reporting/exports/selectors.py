"""The rows of a request export: exactly what the list shows with the same parameters
(filters, words, scope, sort), every page of it, for the requests the user may see.

One query, read in chunks (a server-side cursor on PostgreSQL) so memory stays flat over
a million rows: the joined names come from ``values_list``, the last answer from a
subquery, so no row costs a query of its own.
"""

from collections.abc import Iterator
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import F, QuerySet
from django.http import QueryDict

from eusp.accounts.models import User
from eusp.casework.filters import archive_scope, request_filter
from eusp.casework.keyset import DEFAULT_SORT, SORTS, sort_annotate
from eusp.casework.search.query import SCAN_LIMIT, text_matches
from eusp.casework.search.text import query_terms
from eusp.casework.selectors import request_list

from .columns import Column, request_columns, value_converters

CHUNK_SIZE = 2000


@dataclass
class RequestExport:
    columns: list[Column]
    queryset: QuerySet  # the requests, filtered and sorted (model instances; for counting)

    @property
    def headers(self) -> list[str]:
        return [str(column.header) for column in self.columns]

    @property
    def widths(self) -> list[int]:
        return [column.width for column in self.columns]

    def rows(self) -> Iterator[tuple]:
        """The cells of each request, in column order, read by chunks of ``CHUNK_SIZE``."""
        if connection.vendor != "postgresql":
            # SQLite: no transaction, which here would take the write lock (IMMEDIATE mode)
            # for as long as the file takes to write.
            yield from self._rows()
            return
        # In a transaction, the server-side cursor streams (in autocommit Django declares it
        # WITH HOLD, and PostgreSQL copies the whole result first). No JIT: compiling this
        # plan of joins and subqueries costs more than it saves (1.6 s, bench/README.md).
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL jit = off")
            yield from self._rows()

    def _rows(self) -> Iterator[tuple]:
        expressions = {c.key: c.expression for c in self.columns if c.expression is not None}
        values = self.queryset.annotate(**expressions).values_list(*(c.key for c in self.columns))
        converters = value_converters(self.columns)
        for row in values.iterator(chunk_size=CHUNK_SIZE):
            if converters:
                row = list(row)
                for index, convert in converters:
                    row[index] = convert(row[index])
            yield row


def request_export(*, user: User, params: QueryDict) -> RequestExport:
    """The export of the list that ``params`` (a list's query string) shows ``user``.
    Malformed parameters are ignored as the list ignores them."""
    archived = archive_scope(params)
    filterset = request_filter(params, user=user, archived=archived)
    results = filterset.qs  # validates the form: cleaned_data holds the valid fields only
    words = filterset.form.cleaned_data.get("q") or ""
    if query_terms(words):
        # Few matches (the list's one read of the word index): read them by id, as the
        # list does, rather than let the planner walk the sort's index for a rare word.
        matches = text_matches(results)
        if len(matches) <= SCAN_LIMIT:
            results = request_list(user=user, archived=archived).filter(pk__in=[pk for pk, _created in matches])
    sort = SORTS.get(params.get("sort", ""), SORTS[DEFAULT_SORT])
    ordering = [F(name).desc() if sort.descending else F(name).asc() for name, _kind in sort.keys]
    return RequestExport(
        columns=request_columns(user, archived=archived),
        queryset=sort_annotate(results).order_by(*ordering),
    )
