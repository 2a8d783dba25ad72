"""What requests can be counted by: each dimension names its GROUP BY column, the list
parameter that shows the requests behind a figure, and how its values read.

Values are labelled with one query per dimension's table for all of them, never one
per row. The phase is counted through the state (``state_id``, which the statistics
index carries) and folded in Python: a city has a dozen states.
"""

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Model
from django.utils.translation import gettext_lazy as _

from eusp.accounts.models import User
from eusp.directory.models import Category, District, Origin, Phase, Service, State

NOT_SET = _("Non renseigné")


@dataclass(frozen=True)
class Dimension:
    key: str  # in URLs: ?par=quartier
    label: str
    column: str  # the GROUP BY column of ServiceRequest
    param: str  # the /demandes/ filter that lists the requests behind one value
    model: type[Model] | None = None
    label_field: str = "name"
    # States and phases read in their own order (the life of a request); the others
    # from the most frequent value down.
    natural_order: bool = False

    def value(self, raw, phases: dict[int, str]):
        """The dimension's value for a grouped row's raw column value."""
        return phases.get(raw) if self.key == "phase" else raw

    def labels(self, values: Iterable) -> dict:
        """Label of each value, from one query; ``None`` reads « Non renseigné »."""
        values = [v for v in values if v is not None]
        labels: dict = {None: str(NOT_SET)}
        if self.key == "phase":
            labels.update({phase.value: str(phase.label) for phase in Phase})
        elif self.model is User:
            people = User.objects.filter(pk__in=values).only("username", "first_name", "last_name")
            labels.update({user.pk: str(user) for user in people})
        elif self.model is not None and values:
            labels.update(self.model.objects.filter(pk__in=values).values_list("pk", self.label_field))
        return labels

    def order(self, values: Iterable) -> list:
        """The natural order of the values (reference data position), for states and phases."""
        values = set(values)
        if self.key == "phase":
            ordered = [phase.value for phase in Phase]
        else:
            ordered = list(State.objects.filter(pk__in=values).order_by("position", "pk").values_list("pk", flat=True))
        return [v for v in ordered if v in values] + sorted(v for v in values if v not in ordered and v is not None)


DIMENSIONS = {
    d.key: d
    for d in (
        Dimension("quartier", _("Quartier"), "district_id", "district", District),
        Dimension("service-instructeur", _("Service instructeur"), "instructing_service_id", "instructing_service",
                  Service),
        Dimension("service-execution", _("Service exécution"), "executing_service_id", "executing_service", Service),
        Dimension("elu", _("Élu référent"), "referent_official_id", "referent_official", User),
        Dimension("etat", _("État"), "state_id", "state", State, label_field="label", natural_order=True),
        Dimension("phase", _("Phase"), "state_id", "phase", natural_order=True),
        Dimension("origine", _("Origine"), "origin_id", "origin", Origin),
        Dimension("categorie", _("Catégorie"), "category_id", "category", Category),
    )
}  # fmt: skip

DEFAULT_BREAKDOWN = "quartier"
DEFAULT_CROSSED = "phase"
# Delays by state or phase mean nothing: only finished requests have a completion delay.
DELAY_DIMENSIONS = ("service-instructeur", "quartier", "service-execution", "categorie", "origine", "elu")
DEFAULT_DELAY_DIMENSION = "service-instructeur"


def dimension_choices(keys: Iterable[str] | None = None) -> list[tuple[str, str]]:
    return [(key, DIMENSIONS[key].label) for key in (keys or DIMENSIONS)]
