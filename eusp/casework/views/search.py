"""The quick-search box on every page (live results as one types) and saved searches."""

from urllib.parse import urlencode

from django.contrib import messages
from django.db import IntegrityError, transaction
from django.http import QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ..filters import RequestFilter
from ..models import SavedSearch
from ..search.query import text_filter, text_ranked_ids
from ..search.text import query_terms
from ..selectors import request_list, request_typed_reference, requests_in_order

QUICK_RESULTS = 8
# A few live results: ranked among the newest matches, fewer than a list ranks, so that a
# name found in 2 % of the city still answers as one types (bench/README.md).
QUICK_CANDIDATES = 200


def quick_search_view(request):
    """/demandes/recherche-rapide/?q=…: the few best matches, as an htmx fragment."""
    query = request.GET.get("q", "")[:200]
    target = request_typed_reference(request.user, query)
    rows = [target] if target else []
    terms = query_terms(query)
    if terms and not rows:
        matches = text_filter(request_list(user=request.user), terms, user=request.user)
        rows = requests_in_order(text_ranked_ids(matches, terms, candidates=QUICK_CANDIDATES)[:QUICK_RESULTS])
    context = {"rows": rows, "query": query, "searched": bool(terms or target), "more_url": urlencode({"q": query})}
    return render(request, "casework/includes/_quick_results.html", context)


def _clean_query(raw: str) -> str:
    """Keep only the parameters a list understands: a saved search is never a crafted URL."""
    allowed = set(RequestFilter.base_filters) | {"sort", "archives"}
    params = QueryDict(raw[:2000])
    kept = [(key, value) for key, values in params.lists() if key in allowed for value in values if value]
    return urlencode(kept)[:2000]


@require_POST
def saved_search_create_view(request):
    name = " ".join(request.POST.get("name", "").split())[:80]
    target = request.POST.get("target", "")
    target = target if target in SavedSearch.Target.values else SavedSearch.Target.LIVE
    query = _clean_query(request.POST.get("query", ""))
    back = SavedSearch(target=target, query=query).get_absolute_url()
    if not name:
        messages.error(request, _("Donnez un nom à la recherche pour l'enregistrer."))
        return redirect(back)
    try:
        with transaction.atomic():
            SavedSearch.objects.create(owner=request.user, name=name, target=target, query=query)
    except IntegrityError:
        messages.error(
            request, _("Vous avez déjà une recherche nommée « %(name)s » : choisissez un autre nom.") % {"name": name}
        )
    else:
        messages.success(
            request, _("Recherche « %(name)s » enregistrée : elle figure sur votre tableau de bord.") % {"name": name}
        )
    return redirect(back)


@require_POST
def saved_search_delete_view(request, pk: int):
    saved = get_object_or_404(SavedSearch, pk=pk, owner=request.user)  # someone else's: as if it did not exist
    saved.delete()
    messages.success(request, _("Recherche « %(name)s » supprimée.") % {"name": saved.name})
    return redirect("core:dashboard")
