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


def _changes(model: type[models.Model], before: dict, after: dict) -> dict:
    return {
        name: {"label": _label(model, name), "before": before.get(name, ""), "after": after.get(name, "")}
        for name in dict.fromkeys([*before, *after])
        if before.get(name, "") != after.get(name, "")
    }


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
    changes = _changes(type(target), before or {}, after or {})
    if action == Action.UPDATED and not changes:
        return None
    record = _unsaved(actor, action, target, label=label, note=note)
    record.changes = changes
    record.save()
    return record


def audit_records(
    actor, action: str, targets, *, note: str = "", before: dict | None = None, after: dict | None = None
) -> list[AdminChange]:
    """The same action on several objects (an access export, an erasure, memberships), in one
    INSERT; ``before`` and ``after`` map each target's pk to its snapshot."""
    records = []
    for target in targets:
        record = _unsaved(actor, action, target, note=note)
        record.changes = _changes(type(target), (before or {}).get(target.pk, {}), (after or {}).get(target.pk, {}))
        records.append(record)
    return AdminChange.objects.bulk_create(records)


def _unsaved(actor, action: str, target: models.Model, *, label: str | None = None, note: str = "") -> AdminChange:
    return AdminChange(
        actor=actor if getattr(actor, "pk", None) else None,
        action=action,
        target_type=target._meta.label_lower,
        target_id=str(target.pk or ""),
        target_label=(label or str(target))[:255],
        note=note,
    )
