"""Creating a request: reference, default services and state, creation event."""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from eusp.accounts.models import Profile, User
from eusp.core.working_days import add_working_days
from eusp.directory.models import Category, Priority

from ..events import event_record
from ..models import EventKind, ServiceRequest
from ..notify import alert_request
from ..permissions import can_create_request
from ..references import format_reference, reference_allocate
from .common import refuse_deactivated
from .workflow import state_initial


def priority_default() -> Priority:
    return Priority.objects.filter(is_default=True).first() or Priority.objects.order_by("position").first()


@dataclass(frozen=True)
class DefaultServices:
    instructing_service_id: int | None
    executing_service_id: int | None


def category_default_services(category: Category | None) -> DefaultServices:
    if category is None:
        return DefaultServices(None, None)
    return DefaultServices(category.default_instructing_service_id, category.default_executing_service_id)


def district_official_id(district_id: int | None) -> int | None:
    """The élu attached to the quartier in the administration, when exactly one active élu is."""
    if district_id is None:
        return None
    officials = User.objects.filter(districts=district_id, profile=Profile.ELECTED, is_active=True)
    ids = list(officials.values_list("pk", flat=True)[:2])
    return ids[0] if len(ids) == 1 else None


@transaction.atomic
def request_create(*, actor: User, data: dict) -> ServiceRequest:
    """Create a request from cleaned form data and record its creation.

    Services left empty fall back on the category's defaults, so the form works
    the same with or without JavaScript; an élu left empty on the quartier's élu.
    """
    if not can_create_request(actor):
        raise PermissionDenied
    sr = ServiceRequest(**data)
    refuse_deactivated(sr, data)
    defaults = category_default_services(sr.category)
    if sr.instructing_service_id is None:
        sr.instructing_service_id = defaults.instructing_service_id
    if sr.executing_service_id is None:
        sr.executing_service_id = defaults.executing_service_id
    if sr.due_on is None and sr.category is not None and sr.category.default_delay_days:
        # The category's usual delay, counted from reception, until the service gives its own.
        sr.expected_delay_days = sr.category.default_delay_days
        sr.due_on = add_working_days(sr.received_on or timezone.localdate(), sr.expected_delay_days)
    if sr.referent_official_id is None:
        sr.referent_official_id = district_official_id(sr.district_id)
    if sr.state_id is None:
        sr.state = state_initial()
    if sr.priority_id is None:
        sr.priority = priority_default()
    now = timezone.now()
    sr.created_at = now
    sr.created_by = actor
    sr.year = timezone.localdate(now).year
    sr.number = reference_allocate(sr.year)
    sr.reference = format_reference(sr.year, sr.number)
    sr.full_clean(exclude=["reference", "year", "number"])
    sr.save(force_insert=True)
    event_record(sr, kind=EventKind.CREATED, actor=actor, at=now, changes=_assignment_snapshot(sr))
    alert_request(sr, roles={"instructing", "executing", "referent"}, is_new=True, actor=actor)
    return sr


def _assignment_snapshot(sr: ServiceRequest) -> dict:
    """Who the request went to at creation, shown on the creation event."""
    snapshot = {}
    for field in ("instructing_service", "executing_service", "referent_official", "state"):
        value = getattr(sr, field)
        if value is not None:
            snapshot[field] = {"label": str(sr._meta.get_field(field).verbose_name), "before": "", "after": str(value)}
    return snapshot
