from datetime import date, datetime, time

from django.db.models import QuerySet
from django.utils import timezone

from ..models import AdminChange, target_type_label


def journal_target_types() -> list[tuple[str, str]]:
    """The kinds of object that have a history, for the filter (a few distinct values)."""
    types = AdminChange.objects.order_by().values_list("target_type", flat=True).distinct()
    return sorted(((value, target_type_label(value)) for value in types), key=lambda item: item[1])


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def journal_list(
    *,
    target_type: str = "",
    target_id: str = "",
    action: str = "",
    actor_id: int | None = None,
    since: date | None = None,
    until: date | None = None,
    query: str = "",
) -> QuerySet[AdminChange]:
    changes = AdminChange.objects.select_related("actor")
    if target_type:
        changes = changes.filter(target_type=target_type)
    if target_id:
        changes = changes.filter(target_id=target_id)
    if action:
        changes = changes.filter(action=action)
    if actor_id:
        changes = changes.filter(actor_id=actor_id)
    if since:
        changes = changes.filter(at__gte=_day_start(since))
    if until:
        changes = changes.filter(at__lt=_day_start(until) + timezone.timedelta(days=1))
    if query:
        changes = changes.filter(target_label__icontains=query)
    return changes.order_by("-at", "-pk")
