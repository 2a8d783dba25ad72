from django.utils.http import url_has_allowed_host_and_scheme


def safe_next(request, url: str) -> str:
    """``url`` when it stays on this site (over HTTPS when the page was), else ""."""
    if url and url_has_allowed_host_and_scheme(url, {request.get_host()}, require_https=request.is_secure()):
        return url
    return ""
