from functools import wraps

from django.core.exceptions import PermissionDenied

from eusp.casework.permissions import can_administer


def administration_required(view):
    """Every /administration/ page and action: the central service, 403 for anyone else."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not can_administer(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper
