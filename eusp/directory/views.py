import re

from django.http import HttpResponse
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

from .models import State

# The colour is typed in by the central service: only a hex code may reach the stylesheet.
HEX_COLOUR = re.compile(r"#[0-9a-fA-F]{3}(?:[0-9a-fA-F]{3})?")


@require_GET
@cache_control(private=True, max_age=300)
def state_colours_css_view(request):
    """The states' colours as a stylesheet, so that the badges need no inline style.

    A ``style`` attribute would force ``'unsafe-inline'`` into the CSP's style-src, and a
    nonce'd ``<style>`` in every page would cost each page a query. This file costs one
    query per browser every five minutes (the delay before a changed colour shows).
    """
    rules = [
        f'.state-badge[data-state="{pk}"] {{ --state-colour: {colour}; }}'
        for pk, colour in State.objects.order_by("pk").values_list("pk", "colour")
        if HEX_COLOUR.fullmatch(colour)
    ]
    return HttpResponse("\n".join(rules) + "\n", content_type="text/css; charset=utf-8")
