from django import template
from django.http import QueryDict

from eusp.reporting.exports.links import export_links

register = template.Library()


@register.simple_tag
def request_export_links(query: str, archived: bool | None, advanced: bool) -> list[dict]:
    """The export links of a request list: its query string, and « archives=1 » on
    /archives/, whose own URL says it (the advanced search carries it in its query)."""
    params = QueryDict(query, mutable=True)
    if archived and not advanced:
        params["archives"] = "1"
    return export_links("request-export", params.urlencode())
