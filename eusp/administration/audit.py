"""Record an administrative change: who, when, on what, before → after.

Services call ``snapshot`` before and after a change and hand both to ``audit_record``
in the change's own transaction, so a change is never saved without its record.
"""

from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils.translation import gettext as _

from .models import AdminChange

Action = AdminChange.Action


def _readable(instance: models.Model, field: models.Field):
    if field.many_to_many:
        return ", ".join(sorted(str(item) for item in getattr(instance, field.name).all()))
    value = getattr(instance, field.name)
    if field.choices:
        return str(dict(field.flatchoices).get(value, value or ""))
    if isinstance(value, bool):
        return _("oui") if value else _("non")
    if value is None:
        return ""
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def snapshot(instance: models.Model, fields: list[str]) -> dict[str, str]:
    """The named fields as readable text (a foreign key as its name, a list as names)."""
    meta = instance._meta
    return {name: _readable(instance, meta.get_field(name)) for name in fields}


def _label(model: type[models.Model], name: str) -> str:
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:  # a computed value, not a field
        return name
    if field.auto_created and not field.concrete:  # a reverse relation (a service's members)
        return str(field.related_model._meta.verbose_name_plural)
    return str(field.verbose_name)


def audit_record(
    actor,
    action: str,
    target: models.Model,
    *,
    before: dict | None = None,
    after: dict | None = None,
    note: str = "",
    label: str | None = None,
) -> AdminChange | None:
    """Write the record; an update that changed nothing writes none and returns None."""
    before, after = before or {}, after or {}
    model = type(target)
    changes = {
        name: {"label": _label(model, name), "before": before.get(name, ""), "after": after.get(name, "")}
        for name in dict.fromkeys([*before, *after])
        if before.get(name, "") != after.get(name, "")
    }
    if action == Action.UPDATED and not changes:
        return None
    return AdminChange.objects.create(
        actor=actor if getattr(actor, "pk", None) else None,
        action=action,
        target_type=model._meta.label_lower,
        target_id=str(target.pk or ""),
        target_label=(label or str(target))[:255],
        changes=changes,
        note=note,
    )
