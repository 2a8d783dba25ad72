"""/demandes/, /archives/ and /demandes/recherche/: filtered, sorted, paged lists.

Every filter and the sort are query parameters; htmx swaps the results in place (and
pushes the URL), and the same URLs work without JavaScript. A reference typed in the
words (« 2026-00042 », or « 42 » for this year) opens that request.
"""

from django.conf import settings
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django_htmx.http import HttpResponseClientRedirect

from eusp.directory.models import Phase

from ..filters import RequestFilter, archive_scope, request_filter
from ..keyset import DEFAULT_SORT, SORTS, keyset_page
from ..search.query import text_matches, text_ranked_ids
from ..search.text import query_terms
from ..selectors import capped_count_by_phase, request_list, request_typed_reference, requests_in_order

RELEVANCE = "pertinence"
LIST_COUNT_CAP = 1000


def _list_page(request, *, archived: bool | None, title: str, url: str, advanced: bool = False):
    target = request_typed_reference(request.user, request.GET.get("q", ""))
    if target is not None:
        return HttpResponseClientRedirect(target.get_absolute_url()) if request.htmx else redirect(target)
    filterset = request_filter(request.GET, user=request.user, archived=archived)
    results = filterset.qs
    terms = query_terms(filterset.form.cleaned_data.get("q") or "") if "q" in filterset.form.cleaned_data else []
    matches = text_matches(results) if terms else None
    matched = [pk for pk, _created in matches] if matches is not None and len(matches) <= LIST_COUNT_CAP else None
    if matched is not None:
        # Few matches: read by id from here on. Asked for « newest first » directly, the
        # planner would walk the whole date index looking for a rare word.
        results = request_list(user=request.user, archived=archived).filter(pk__in=matched)
    sort_key = request.GET.get("sort", "")
    if sort_key not in SORTS and not (sort_key == RELEVANCE and terms):
        sort_key = RELEVANCE if terms else DEFAULT_SORT
    if sort_key == RELEVANCE:
        page = _relevance_page(request, results, terms, matches)
    else:
        page = _sorted_page(request, results, sort_key)
    if matches is not None and len(matches) > LIST_COUNT_CAP:
        count, more, by_phase = LIST_COUNT_CAP, True, {}
    else:
        count, more, by_phase = capped_count_by_phase(results, LIST_COUNT_CAP)
    query = request.GET.copy()
    for name in ("page", "apres", "avant", "fin"):
        query.pop(name, None)
    without_sort = query.copy()
    without_sort.pop("sort", None)
    context = {
        "filter": filterset,
        "page": page,
        "count": count,
        "more": more,
        # Counts per phase of what is shown, when they cost little (the set is small).
        "phase_counts": _phase_labels(by_phase) if by_phase else None,
        "query": query.urlencode(),
        "query_without_sort": without_sort.urlencode(),
        "sort": sort_key,
        "sorts": [(key, s.label) for key, s in SORTS.items()],
        "relevance": RELEVANCE if terms else None,
        "title": title,
        "list_url": url,
        "advanced": advanced,
        "archived": archived,
        "common_fields": RequestFilter.COMMON,
    }
    template = (
        "casework/request_list.html#results"
        if request.htmx and not request.htmx.boosted
        else "casework/request_list.html"
    )
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


def _phase_labels(counts: dict[str, int]) -> list[tuple[str, int]]:
    return [(phase.label, counts[phase.value]) for phase in Phase if counts.get(phase.value)]


def _sorted_page(request, results, sort_key: str) -> dict:
    keyset = keyset_page(
        results,
        SORTS[sort_key],
        after=request.GET.get("apres", "")[:300],
        before=request.GET.get("avant", "")[:300],
        last=request.GET.get("fin") == "1",
        size=settings.EUSP_PAGE_SIZE,
    )
    return {
        "rows": keyset.rows,
        "next": f"apres={keyset.next_cursor}" if keyset.next_cursor else None,
        "previous": f"avant={keyset.previous_cursor}" if keyset.previous_cursor else None,
        "first": None if keyset.is_first else "",
        "last": None if keyset.is_last else "fin=1",
    }


def _relevance_page(request, results, terms: list[str], matches) -> dict:
    """Best matches first: a few pages of the ranked candidates (OFFSET over a small set)."""
    field = request.GET.get("field", "")
    try:
        number = min(max(int(request.GET.get("page", 1)), 1), 20)
    except ValueError:
        number = 1
    size = settings.EUSP_PAGE_SIZE
    ids = text_ranked_ids(results, terms, field=field, matches=matches)[(number - 1) * size : number * size + 1]
    rows = requests_in_order(ids)
    return {
        "rows": rows[:size],
        "next": f"page={number + 1}" if len(rows) > size and number < 20 else None,
        "previous": (f"page={number - 1}" if number > 2 else "") if number > 1 else None,
        "first": "" if number > 2 else None,
        "last": None,
    }


def request_list_view(request):
    """/demandes/: live requests the user may see, filtered by query parameters."""
    return _list_page(request, archived=False, title=_("Demandes"), url=reverse("casework:request-list"))


def archive_list_view(request):
    """/archives/: archived requests (done or closed without action), same filters."""
    return _list_page(request, archived=True, title=_("Demandes archivées"), url=reverse("archive-list"))


def advanced_search_view(request):
    """/demandes/recherche/: every criterion, over live requests or the archives."""
    archived = archive_scope(request.GET)
    return _list_page(
        request, archived=archived, title=_("Recherche avancée"), url=reverse("casework:request-search"), advanced=True
    )
