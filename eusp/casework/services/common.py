"""What every write on a request shares: the access check, the row lock with its
version check, and the errors a user is shown."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from eusp.accounts.models import User

from ..models import ServiceRequest
from ..permissions import Action, can


class StaleEditError(Exception):
    """Someone saved the request since this user loaded it: their save is refused."""

    def __init__(self, current: ServiceRequest):
        super().__init__("stale version")
        self.current = current


def authorize(user: User, action: Action, sr: ServiceRequest) -> None:
    if not can(user, action, sr):
        raise PermissionDenied


def refuse(message: str, field: str | None = None) -> None:
    """A rule of the request's life says no: a French message, nothing changed."""
    raise ValidationError({field: message} if field else message)


# The references a request holds that the administration can deactivate.
DEACTIVATABLE_FIELDS = (
    "origin",
    "category",
    "district",
    "priority",
    "referent_official",
    "instructing_service",
    "executing_service",
)


def refuse_deactivated(sr: ServiceRequest, names) -> None:
    """A deactivated entry (or élu) stays on the requests that had it, but nothing — a form,
    a command, the API — gives it anew. ``names``: the fields being set now."""
    errors = {}
    for name in set(names) & set(DEACTIVATABLE_FIELDS):
        entry = getattr(sr, name)
        if entry is not None and not entry.is_active:
            errors[name] = _("« %(entry)s » est désactivé : choisissez une entrée active.") % {"entry": entry}
    if errors:
        raise ValidationError(errors)


def request_lock(sr: ServiceRequest, expected_version: int | None = None) -> ServiceRequest:
    """Lock the request's row for this transaction and refuse a stale version.

    Returns the fresh row: rules are checked on what is in the database now, not
    on what the user's page showed.
    """
    current = ServiceRequest.objects.select_for_update().get(pk=sr.pk)
    if expected_version is not None and current.version != expected_version:
        raise StaleEditError(current)
    return current


def request_bump(sr: ServiceRequest, fields: list[str]) -> None:
    """Save the changed fields and move the version on (optimistic locking)."""
    sr.updated_at = timezone.now()
    ServiceRequest.objects.filter(pk=sr.pk).update(
        version=F("version") + 1, updated_at=sr.updated_at, **{name: getattr(sr, name) for name in fields}
    )
    sr.version += 1
