"""What a statistics URL asks for: the list's filters (the same parameters as /demandes/,
so a filtered list and its statistics share a query string), the requests covered
(``archives``), and the statistics' own options. A value that makes no sense falls
back to the default with a French message on its field, never an error page.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta
from urllib.parse import urlencode

from django import forms
from django.db.models import QuerySet
from django.http import QueryDict
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from eusp.accounts.models import User
from eusp.casework.filters import ARCHIVES_ONLY, ARCHIVES_TOO, RequestFilter, archive_scope, request_filter

from .delays import DEFAULT_WITHIN_DAYS, MAX_WITHIN_DAYS, MIN_WITHIN_DAYS
from .dimensions import (
    DEFAULT_BREAKDOWN,
    DEFAULT_CROSSED,
    DEFAULT_DELAY_DIMENSION,
    DELAY_DIMENSIONS,
    DIMENSIONS,
    Dimension,
    dimension_choices,
)
from .selectors import MONTH, WEEK

BREAKDOWN, TIMELINE, CROSSED, DELAYS = "repartition", "evolution", "croisement", "delais"
VIEWS = {
    BREAKDOWN: gettext_lazy("Répartition"),
    TIMELINE: gettext_lazy("Évolution"),
    CROSSED: gettext_lazy("Tableau croisé"),
    DELAYS: gettext_lazy("Délais"),
}
LIVE_ONLY = "0"  # any value but « 1 » and « tout » means the live requests (archive_scope)
SCOPES = [
    (ARCHIVES_TOO, gettext_lazy("toutes")),
    (LIVE_ONLY, gettext_lazy("en cours (non archivées)")),
    (ARCHIVES_ONLY, gettext_lazy("archivées")),
]
DEFAULT_DELAY_DAYS = 365  # the delays' period when none is chosen


class StatisticsOptionsForm(forms.Form):
    vue = forms.ChoiceField(choices=list(VIEWS.items()), required=False, widget=forms.HiddenInput)
    archives = forms.ChoiceField(label=gettext_lazy("Demandes"), choices=SCOPES, required=False)
    par = forms.ChoiceField(label=gettext_lazy("Répartition par"), choices=dimension_choices(), required=False)
    croise = forms.ChoiceField(label=gettext_lazy("Croisée avec"), choices=dimension_choices(), required=False)
    pas = forms.ChoiceField(
        label=gettext_lazy("Pas de temps"),
        choices=[(MONTH, gettext_lazy("Mois")), (WEEK, gettext_lazy("Semaine"))],
        required=False,
    )
    jours = forms.IntegerField(
        label=gettext_lazy("Réponse à l'usager sous (jours)"),
        min_value=MIN_WITHIN_DAYS,
        max_value=MAX_WITHIN_DAYS,
        required=False,
        widget=forms.NumberInput(attrs={"min": MIN_WITHIN_DAYS, "max": MAX_WITHIN_DAYS}),
    )
    impression = forms.BooleanField(required=False, widget=forms.HiddenInput)


@dataclass
class StatisticsQuery:
    """One statistics URL understood: the requests it covers and the options."""

    params: QueryDict  # as asked (the tabs and the print view keep them)
    filter_params: QueryDict  # as applied, with the delays' default period
    filterset: RequestFilter
    options: StatisticsOptionsForm
    archived: bool | None
    view: str
    breakdown: Dimension
    crossed: Dimension
    step: str
    within_days: int
    printing: bool
    notes: list[str] = field(default_factory=list)

    @property
    def view_label(self) -> str:
        return str(VIEWS[self.view])

    @property
    def has_filters(self) -> bool:
        return any(self.filter_params.get(name) for name in self.filterset.filters)

    @property
    def queryset(self) -> QuerySet:
        return self.filterset.qs

    @property
    def received_from(self) -> date | None:
        return self.filterset.form.cleaned_data.get("received_from")

    @property
    def received_to(self) -> date | None:
        return self.filterset.form.cleaned_data.get("received_to")

    def list_url(self, **params) -> str:
        """The advanced search listing the requests behind a figure: the same filters
        and scope, narrowed by ``params`` (None values are left out)."""
        query = [
            (key, value)
            for key, values in self.filter_params.lists()
            if key in self.filterset.filters and key not in params
            for value in values
            if value
        ]
        query += [(key, str(value)) for key, value in params.items() if value is not None]
        scope = {True: ARCHIVES_ONLY, None: ARCHIVES_TOO}.get(self.archived)
        if scope:
            query.append(("archives", scope))
        return f"{reverse('casework:request-search')}?{urlencode(query)}"

    def url(self, **changes) -> str:
        """This page with some parameters changed (a tab, the print view)."""
        query = self.params.copy()
        for key, value in changes.items():
            query.pop(key, None)
            if value:
                query[key] = value
        return f"{reverse('statistics')}?{query.urlencode()}" if query else reverse("statistics")

    def filters_in_words(self) -> list[tuple[str, str]]:
        """The criteria as a council report states them: (label, value) pairs."""
        form = self.filterset.form
        words = [(_("Demandes"), str(dict(SCOPES)[scope_value(self.archived)]))]
        for name, bound in form.fields.items():
            value = form.cleaned_data.get(name)
            if value in (None, "", False) or (name == "field" and not form.cleaned_data.get("q")):
                continue
            if isinstance(value, date):
                shown = date_format(value, "SHORT_DATE_FORMAT")
            elif value is True:
                shown = _("oui")
            elif hasattr(bound, "choices") and not hasattr(bound, "queryset"):
                shown = str(dict(bound.choices).get(value, value))
            else:
                shown = str(value)
            words.append((str(bound.label), shown))
        return words


def scope_value(archived: bool | None) -> str:
    return {True: ARCHIVES_ONLY, None: ARCHIVES_TOO}.get(archived, LIVE_ONLY)


def _is_date(value: str) -> bool:
    try:
        return forms.DateField().clean(value) is not None
    except forms.ValidationError:
        return False


def statistics_query(params: QueryDict, user: User) -> StatisticsQuery:
    archived = archive_scope(params, default=None)
    data = params.copy()
    data["archives"] = scope_value(archived)
    options = StatisticsOptionsForm(data)
    options.is_valid()
    cleaned = {name: value for name, value in options.cleaned_data.items() if value not in (None, "")}
    view = cleaned.get("vue", BREAKDOWN)
    notes = []
    by, crossed = _dimensions(view, cleaned, notes)
    filter_params = params
    if view == DELAYS and not any(_is_date(params.get(name, "")) for name in ("received_from", "received_to")):
        # Delays are steered over a period (a wrong date counts as none); over a large
        # city's whole history they take 0.6–0.9 s at a million requests, past the 500 ms
        # of a statistics page, against 0.3 s over a year (bench/README.md). The date is
        # written in the form and the links.
        since = timezone.localdate() - timedelta(days=DEFAULT_DELAY_DAYS)
        filter_params = params.copy()
        filter_params["received_from"] = since.isoformat()
        notes.append(
            _(
                "Les délais portent par défaut sur les demandes reçues ces 12 derniers mois, depuis le %(date)s : "
                "choisissez une autre période avec les dates de réception."
            )
            % {"date": date_format(since, "SHORT_DATE_FORMAT")}
        )
    filterset = request_filter(filter_params, user=user, archived=archived)
    filterset.form.is_valid()  # cleans the fields; an invalid one is left out of the filters
    if view == DELAYS:
        options.fields["par"].choices = dimension_choices(DELAY_DIMENSIONS)
        options.fields["par"].label = gettext_lazy("Délais par")
    # Show the values in effect (a default, or the fallback of a wrong value); the
    # errors were read above and stay on their fields.
    shown = {"vue": view, "par": by, "croise": crossed, "pas": cleaned.get("pas", MONTH)}
    shown["jours"] = str(cleaned.get("jours") or DEFAULT_WITHIN_DAYS)
    options.data = data.copy()
    for name, value in shown.items():
        options.data.setlist(name, [value])
    return StatisticsQuery(
        params=params,
        filter_params=filter_params,
        filterset=filterset,
        options=options,
        archived=archived,
        view=view,
        breakdown=DIMENSIONS[by],
        crossed=DIMENSIONS[crossed],
        step=cleaned.get("pas", MONTH),
        within_days=cleaned.get("jours") or DEFAULT_WITHIN_DAYS,
        printing=bool(cleaned.get("impression")),
        notes=notes,
    )


def _dimensions(view: str, cleaned: dict, notes: list[str]) -> tuple[str, str]:
    """The breakdown (or the delays' grouping) and the crossed dimension in effect."""
    default_by = DEFAULT_DELAY_DIMENSION if view == DELAYS else DEFAULT_BREAKDOWN
    by = cleaned.get("par", default_by)
    if view == DELAYS and by not in DELAY_DIMENSIONS:
        notes.append(
            _("Les délais ne se calculent pas par état ni par phase : ils sont présentés par %(dimension)s.")
            % {"dimension": str(DIMENSIONS[default_by].label).lower()}
        )
        by = default_by
    crossed = cleaned.get("croise", DEFAULT_CROSSED)
    if crossed == by:
        crossed = DEFAULT_CROSSED if by != DEFAULT_CROSSED else DEFAULT_BREAKDOWN
        if "croise" in cleaned:
            notes.append(_("Le tableau croisé demande deux dimensions différentes."))
    return by, crossed
