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
