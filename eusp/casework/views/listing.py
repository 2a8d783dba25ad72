from django.conf import settings
from django.core.paginator import Paginator
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _

from ..filters import RequestFilter
from ..selectors import request_list


def _list_page(request, *, archived: bool, title: str, url: str):
    filterset = RequestFilter(request.GET, queryset=request_list(user=request.user, archived=archived))
    page = Paginator(filterset.qs, settings.EUSP_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {"filter": filterset, "page": page, "query": query.urlencode(), "title": title, "list_url": url}
    template = "casework/request_list.html#results" if request.htmx else "casework/request_list.html"
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


def request_list_view(request):
    """/demandes/: live requests the user may see, filtered by query parameters."""
    return _list_page(request, archived=False, title=_("Demandes"), url=reverse("casework:request-list"))


def archive_list_view(request):
    """/archives/: archived requests (done or closed without action), same filters."""
    return _list_page(request, archived=True, title=_("Demandes archivées"), url=reverse("archive-list"))
