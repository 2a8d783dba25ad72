"""Who administers: the central service. One rule, asked at two depths: every /administration/
URL is wrapped once in urls.py, and the services behind the pages ask it again for the
callers that are not pages (commands, the future API)."""

from functools import wraps

from django.core.exceptions import PermissionDenied

from eusp.casework.permissions import can_administer


def administration_authorize(actor) -> None:
    if not can_administer(actor):
        raise PermissionDenied


def administration_required(view):
    """A page or action of /administration/: 403 for anyone but the central service."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        administration_authorize(request.user)
        return view(request, *args, **kwargs)

    return wrapper
