"""The reference lists the central service maintains, one entry per kind: its model, its
French address, the fields its form edits and the columns its list shows.

Views, forms and services read this table, so a new list is one entry here (plus a form
class when its fields need more than a model form).
"""

from dataclasses import dataclass, field

from django.db import models
from django.http import Http404
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from eusp.directory.models import AnswerTemplate, Category, District, Origin, Priority, Service, State

from ..forms import parse_pk
from . import forms


@dataclass(frozen=True)
class Column:
    """A column of the list: an attribute (or a no-argument method) of the entry."""

    attribute: str
    label: Promise


@dataclass(frozen=True)
class ReferenceKind:
    slug: str
    model: type[models.Model]
    title: Promise  # « Origines »
    description: Promise
    form_class: type[forms.ReferenceForm]
    fields: tuple[str, ...]  # edited by the form, recorded by the audit
    columns: tuple[Column, ...] = ()
    select_related: tuple[str, ...] = ()
    # The list filters (casework.filters) whose values are entries of this kind: a
    # merge moves the saved searches that use them.
    filter_params: tuple[str, ...] = ()
    mergeable: bool = True
    # A flag exactly one entry holds (the initial state, the default priority).
    flag: str = ""
    label_field: str = field(init=False)

    def __post_init__(self):
        names = {f.name for f in self.model._meta.get_fields()}
        object.__setattr__(self, "label_field", "name" if "name" in names else "label")

    def queryset(self) -> models.QuerySet:
        return self.model.objects.select_related(*self.select_related).order_by("position", "pk")

    def entry_get(self, pk: int) -> models.Model:
        """The entry of this kind, or a 404 (an id out of the database's range too)."""
        if parse_pk(pk) is None:
            raise Http404
        try:
            return self.queryset().get(pk=pk)
        except self.model.DoesNotExist:
            raise Http404 from None

    def cells(self, entry: models.Model) -> list:
        values = []
        for column in self.columns:
            value = getattr(entry, column.attribute)
            values.append(value() if callable(value) else value)
        return values


KINDS: dict[str, ReferenceKind] = {
    kind.slug: kind
    for kind in (
        ReferenceKind(
            slug="origines",
            model=Origin,
            title=_("Origines"),
            description=_("Comment la demande est parvenue à la mairie : courrier, téléphone, conseil de quartier…"),
            form_class=forms.ReferenceForm,
            fields=("name",),
            filter_params=("origin",),
        ),
        ReferenceKind(
            slug="quartiers",
            model=District,
            title=_("Quartiers"),
            description=_("Les quartiers de la ville, qui situent les demandes et désignent l'élu référent."),
            form_class=forms.ReferenceForm,
            fields=("name", "code"),
            columns=(Column("code", _("Code")),),
            filter_params=("district",),
        ),
        ReferenceKind(
            slug="services",
            model=Service,
            title=_("Services"),
            description=_("Les services municipaux qui instruisent et exécutent les demandes, et leurs membres."),
            form_class=forms.ServiceForm,
            fields=("name", "email", "kind"),
            columns=(Column("get_kind_display", _("Rôle")), Column("email", _("Adresses e-mail"))),
            filter_params=("service", "instructing_service", "executing_service"),
        ),
        ReferenceKind(
            slug="categories",
            model=Category,
            title=_("Catégories"),
            description=_("Les thèmes des demandes, avec les services et le délai proposés par défaut."),
            form_class=forms.CategoryForm,
            fields=(
                "name",
                "theme",
                "default_instructing_service",
                "default_executing_service",
                "default_delay_days",
            ),
            columns=(
                Column("theme", _("Thème")),
                Column("default_instructing_service", _("Service instructeur par défaut")),
                Column("default_executing_service", _("Service exécution par défaut")),
                Column("default_delay_days", _("Délai par défaut (jours ouvrés)")),
            ),
            select_related=("default_instructing_service", "default_executing_service"),
            filter_params=("category",),
        ),
        ReferenceKind(
            slug="etats",
            model=State,
            title=_("États"),
            description=_(
                "Les états des demandes, nommés par la ville, chacun sur une phase fixe que lisent "
                "le suivi et les statistiques."
            ),
            form_class=forms.StateForm,
            fields=("label", "phase", "colour", "is_initial"),
            flag="is_initial",
            columns=(
                Column("get_phase_display", _("Phase")),
                Column("colour", _("Couleur")),
                Column("is_initial", _("État initial")),
            ),
            filter_params=("state",),
        ),
        ReferenceKind(
            slug="priorites",
            model=Priority,
            title=_("Priorités"),
            description=_("Les priorités des demandes ; celle par défaut est donnée aux nouvelles demandes."),
            form_class=forms.PriorityForm,
            fields=("label", "is_default"),
            flag="is_default",
            columns=(Column("is_default", _("Par défaut")),),
            filter_params=("priority",),
        ),
        ReferenceKind(
            slug="modeles-de-reponse",
            model=AnswerTemplate,
            title=_("Modèles de réponse"),
            description=_("Les réponses types à l'usager, avec leurs variables (nom, référence, adresse…)."),
            form_class=forms.AnswerTemplateForm,
            fields=("name", "subject", "body"),
            columns=(Column("subject", _("Objet")),),
            # Nothing points at a template: an answer keeps its own text.
            mergeable=False,
        ),
    )
}


def kind_get(slug: str) -> ReferenceKind:
    try:
        return KINDS[slug]
    except KeyError:
        raise Http404 from None
