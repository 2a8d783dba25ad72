from django.core.exceptions import BadRequest


class FrenchByDefaultMiddleware:
    """The interface is French unless the user picks another language.

    Placed before LocaleMiddleware: it hides the browser's Accept-Language, so an
    English-configured browser in a French town hall still gets French, while the
    language cookie set by the language selector keeps working.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        return self.get_response(request)


class RejectNulCharactersMiddleware:
    """A NUL character in the URL or its parameters is refused with a 400.

    Forms already refuse it field by field; this covers the parameters read straight from
    the URL (filters, search, pagination), which PostgreSQL would refuse with an error
    (« text fields cannot contain NUL ») instead of a page. No person types one."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "\x00" in request.path or any("\x00" in key or "\x00" in value for key, value in _items(request.GET)):
            raise BadRequest("NUL character in the URL")
        return self.get_response(request)


def _items(query):
    for key, values in query.lists():
        for value in values:
            yield key, value
