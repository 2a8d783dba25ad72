"""Pages of a list too long to count (years of mail, of changes): one row more than a page
says whether there is a next one. The links: components/_uncounted_pagination.html."""

from django.db.models import QuerySet

UNCOUNTED_PAGE_SIZE = 50
# Deep pages of years of rows: a filter finds them better (and an offset that deep is slow).
UNCOUNTED_MAX_PAGE = 2000


def _page_number(value: str | None) -> int:
    try:
        return min(max(int(value or 1), 1), UNCOUNTED_MAX_PAGE)
    except ValueError:
        return 1


def uncounted_page(queryset: QuerySet, request, size: int = UNCOUNTED_PAGE_SIZE) -> dict:
    """The page ``?page=`` of ``queryset`` (ordered), without counting its rows: the
    template context of the rows and of the page links."""
    number = _page_number(request.GET.get("page"))
    offset = (number - 1) * size
    rows = list(queryset[offset : offset + size + 1])
    params = request.GET.copy()
    params.pop("page", None)  # the links add their own
    query_string = params.urlencode()
    return {"rows": rows[:size], "page_number": number, "has_next": len(rows) > size, "query_string": query_string}
