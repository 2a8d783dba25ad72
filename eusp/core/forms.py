from collections.abc import Iterable

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Model, QuerySet


def form_add_errors(form: forms.BaseForm, error: ValidationError) -> None:
    """Show a service's refusal on the form: next to its field when the form has it, on top otherwise."""
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


def offered_or_held(offered: QuerySet, held: QuerySet | Iterable | Model | int | None) -> QuerySet:
    """The choices of a field on an edit form: ``offered`` (the active entries, of the right
    kind), plus the entries the edited object already ``held`` — kept even if closed since,
    so that saving it unchanged loses nothing. ``held`` is a queryset of the same model, a
    list of ids, one id or entry, or None on creation."""
    if held is None:
        return offered
    model = offered.model
    if isinstance(held, QuerySet):
        kept = model.objects.filter(pk__in=held.values("pk"))
    elif isinstance(held, Model | int):
        kept = model.objects.filter(pk=held.pk if isinstance(held, Model) else held)
    else:
        kept = model.objects.filter(pk__in=list(held))
    return offered | kept
