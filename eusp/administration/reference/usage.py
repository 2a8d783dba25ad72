"""Who uses a reference entry: every relation pointing at its model, found from the
model's metadata, so a relation added later (a new model, a new foreign key) is counted,
protected from deletion and moved by a merge without touching this module."""

from dataclasses import dataclass
from functools import cache

from django.db import models
from django.db.models import Count
from django.utils.text import capfirst

from eusp.casework.models import ServiceRequest


@dataclass(frozen=True)
class Relation:
    """A foreign key or a many-to-many field of another model pointing at a reference model."""

    model: type[models.Model]  # the model holding the link (ServiceRequest, User, Reminder…)
    field: models.Field

    @property
    def key(self) -> str:
        return f"{self.model._meta.label_lower}.{self.field.name}"

    @property
    def many_to_many(self) -> bool:
        return self.field.many_to_many

    @property
    def is_request(self) -> bool:
        return self.model is ServiceRequest

    @property
    def rows(self) -> type[models.Model]:
        """The table whose rows point at the entry: the model, or the many-to-many's link rows."""
        return self.field.remote_field.through if self.many_to_many else self.model

    @property
    def column(self) -> str:
        """The field of ``rows`` that holds the entry."""
        return self.field.m2m_reverse_field_name() if self.many_to_many else self.field.name

    @property
    def owner_column(self) -> str:
        """For link rows: the field holding the other side (the user of a membership)."""
        return self.field.m2m_field_name()

    def describe(self, count: int, *, qualified: bool) -> str:
        """« 3 demandes (service instructeur) », in the reader's language."""
        meta = self.model._meta
        noun = meta.verbose_name if count == 1 else meta.verbose_name_plural
        text = f"{count} {noun}"
        return f"{text} ({self.field.verbose_name})" if qualified else text

    def title(self, *, qualified: bool) -> str:
        noun = capfirst(self.model._meta.verbose_name_plural)
        return f"{noun} ({self.field.verbose_name})" if qualified else noun


@cache
def reference_relations(model: type[models.Model]) -> tuple[Relation, ...]:
    """Every relation pointing at ``model``, requests first.

    ``_meta.related_objects`` leaves out relations named "+" (a category's default
    services), so the hidden ones are read too; the link rows of a many-to-many are
    handled through the many-to-many itself.
    """
    relations = []
    for rel in model._meta.get_fields(include_hidden=True):
        if not (rel.auto_created and not rel.concrete):
            continue  # a field of the model itself, not a relation pointing at it
        if rel.related_model._meta.auto_created:
            continue  # the link rows of a many-to-many: counted as the many-to-many
        if rel.many_to_many and not rel.through._meta.auto_created:
            continue  # an explicit link model: counted through its own foreign key
        relations.append(Relation(model=rel.related_model, field=rel.field))
    return tuple(sorted(relations, key=lambda relation: not relation.is_request))


def _qualified(relations: tuple[Relation, ...]) -> set[str]:
    """Relations whose model holds several links to the same entry need the field's name."""
    per_model: dict[type, int] = {}
    for relation in relations:
        per_model[relation.model] = per_model.get(relation.model, 0) + 1
    return {relation.key for relation in relations if per_model[relation.model] > 1}


@dataclass(frozen=True)
class Usage:
    relation: Relation
    count: int
    qualified: bool

    def __str__(self) -> str:
        return self.relation.describe(self.count, qualified=self.qualified)

    @property
    def is_request(self) -> bool:
        return self.relation.is_request


def _grouped_counts(relation: Relation, pks: list[int] | None) -> dict[int, int]:
    column = relation.rows._meta.get_field(relation.column).attname
    condition = {f"{column}__in": pks} if pks is not None else {f"{column}__isnull": False}
    rows = relation.rows._base_manager.filter(**condition)
    return dict(rows.values(column).annotate(n=Count("*")).order_by().values_list(column, "n"))


def usage_counts(model: type[models.Model], pks: list[int] | None = None) -> dict[int, list[Usage]]:
    """What uses each entry: one grouped query per relation, whatever the number of entries."""
    relations = reference_relations(model)
    qualified = _qualified(relations)
    found: dict[int, list[Usage]] = {}
    for relation in relations:
        for pk, count in _grouped_counts(relation, pks).items():
            found.setdefault(pk, []).append(Usage(relation, count, relation.key in qualified))
    return found


def usage_of(entry: models.Model) -> list[Usage]:
    return usage_counts(type(entry), [entry.pk]).get(entry.pk, [])
