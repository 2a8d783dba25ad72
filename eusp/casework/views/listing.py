from django.conf import settings
from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils.cache import patch_vary_headers

from ..filters import RequestFilter
from ..selectors import request_list


def request_list_view(request):
    """/demandes/: live requests the user may see, filtered by query parameters."""
    filterset = RequestFilter(request.GET, queryset=request_list(user=request.user))
    page = Paginator(filterset.qs, settings.EUSP_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {"filter": filterset, "page": page, "query": query.urlencode()}
    template = "casework/request_list.html#results" if request.htmx else "casework/request_list.html"
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response
