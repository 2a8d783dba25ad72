"""The links that offer a page's data as files: one per format, the page's query string kept."""

from django.urls import reverse

FORMATS = (("csv", "CSV"), ("xlsx", "Excel"), ("ods", "OpenDocument"))


def export_links(url_name: str, query_string: str) -> list[dict]:
    """``{"label", "url"}`` of each format's file at ``url_name`` (which takes ``fmt``)."""
    suffix = f"?{query_string}" if query_string else ""
    return [{"label": label, "url": reverse(url_name, kwargs={"fmt": fmt}) + suffix} for fmt, label in FORMATS]
