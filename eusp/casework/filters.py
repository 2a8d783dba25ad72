"""List filters. Every filter is a query parameter, so a filtered view is a URL to bookmark.

The same parameters drive /demandes/, /archives/, the advanced search and (later) the
statistics and exports; an unknown or malformed value is ignored with a message on its
field, never an error page.
"""

from datetime import UTC, date, datetime, time, timedelta

import django_filters
from django import forms
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from eusp.accounts.models import Profile, User
from eusp.directory.models import Category, District, Origin, Phase, Priority, Service, State

from .models import Answer
from .search.query import SearchField, text_filter
from .search.text import query_terms
from .selectors import in_phases, overdue_filter, request_list

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _local_instant(day: date, at: time) -> datetime | None:
    """``day`` at ``at`` in the local time zone, or None at the ends of the calendar
    (1 January of year 1, 31 December 9999), whose instant is out of Python's range in UTC:
    such a bound (a crafted URL) leaves nothing out."""
    instant = timezone.make_aware(datetime.combine(day, at))
    try:
        instant.astimezone(UTC)
    except OverflowError:
        return None
    return instant


class RequestFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Mots"), method="filter_words", max_length=200)
    field = django_filters.ChoiceFilter(
        label=_("Chercher les mots dans"),
        choices=SearchField.choices()[1:],
        method="filter_nothing",
        empty_label=_("Partout"),
    )
    state = django_filters.ModelChoiceFilter(label=_("État"), queryset=State.objects.all(), empty_label=_("Tous"))
    phase = django_filters.ChoiceFilter(
        label=_("Phase"), choices=Phase.choices, empty_label=_("Toutes"), method="filter_phase"
    )
    district = django_filters.ModelChoiceFilter(
        label=_("Quartier"), queryset=District.objects.all(), empty_label=_("Tous")
    )
    category = django_filters.ModelChoiceFilter(
        label=_("Catégorie"), queryset=Category.objects.all(), empty_label=_("Toutes")
    )
    service = django_filters.ModelChoiceFilter(
        label=_("Service"),
        queryset=Service.objects.all(),
        method="filter_service",
        empty_label=_("Tous"),
        help_text=_("Instructeur ou exécution"),
    )
    instructing_service = django_filters.ModelChoiceFilter(
        label=_("Service instructeur"), queryset=Service.objects.all(), empty_label=_("Tous")
    )
    executing_service = django_filters.ModelChoiceFilter(
        label=_("Service exécution"), queryset=Service.objects.all(), empty_label=_("Tous")
    )
    referent_official = django_filters.ModelChoiceFilter(
        label=_("Élu référent"), queryset=User.objects.filter(profile=Profile.ELECTED), empty_label=_("Tous")
    )
    origin = django_filters.ModelChoiceFilter(
        label=_("Origine"), queryset=Origin.objects.all(), empty_label=_("Toutes")
    )
    priority = django_filters.ModelChoiceFilter(
        label=_("Priorité"), queryset=Priority.objects.all(), empty_label=_("Toutes")
    )
    received_from = django_filters.DateFilter(
        label=_("Reçue à partir du"), field_name="received_on", lookup_expr="gte", widget=DATE
    )
    received_to = django_filters.DateFilter(
        label=_("Reçue jusqu'au"), field_name="received_on", lookup_expr="lte", widget=DATE
    )
    closed_from = django_filters.DateFilter(label=_("Close à partir du"), method="filter_closed_from", widget=DATE)
    closed_to = django_filters.DateFilter(label=_("Close jusqu'au"), method="filter_closed_to", widget=DATE)
    overdue = django_filters.BooleanFilter(
        label=_("En retard seulement"), method="filter_overdue", widget=forms.CheckboxInput
    )
    answered = django_filters.ChoiceFilter(
        label=_("Réponse à l'usager"),
        choices=[("oui", _("Donnée")), ("non", _("Pas encore"))],
        method="filter_answered",
        empty_label=_("Indifférent"),
    )
    mine = django_filters.BooleanFilter(
        label=_("Mes demandes seulement"),
        method="filter_mine",
        widget=forms.CheckboxInput,
        help_text=_("Saisies par moi ou dont je suis l'élu référent"),
    )

    # The list page shows these; the advanced search page shows them all.
    COMMON = ("q", "state", "phase", "district", "service", "referent_official", "overdue", "mine")

    def __init__(self, *args, user: User | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        if user is not None and user.profile == Profile.AGENT:
            # An agent's requests are their services': « mine » would mean nothing more.
            del self.filters["mine"]
            self.form.fields.pop("mine", None)

    def filter_words(self, queryset, name, value):
        field = self.form.cleaned_data.get("field") or ""
        return text_filter(queryset, query_terms(value), user=self.user, field=field)

    def filter_nothing(self, queryset, name, value):
        return queryset  # read by filter_words

    def filter_phase(self, queryset, name, value):
        return queryset.filter(in_phases(value))

    def filter_service(self, queryset, name, value):
        return queryset.filter(Q(instructing_service=value) | Q(executing_service=value))

    def filter_closed_from(self, queryset, name, value):
        start = _local_instant(value, time.min)
        return queryset.filter(closed_at__isnull=False) if start is None else queryset.filter(closed_at__gte=start)

    def filter_closed_to(self, queryset, name, value):
        # Before the next day begins: the day's last microsecond is still that day.
        end = _local_instant(value + timedelta(days=1), time.min) if value < date.max else None
        return queryset.filter(closed_at__isnull=False) if end is None else queryset.filter(closed_at__lt=end)

    def filter_overdue(self, queryset, name, value):
        return queryset.filter(overdue_filter()) if value else queryset

    def filter_answered(self, queryset, name, value):
        answered = Exists(Answer.objects.filter(service_request=OuterRef("pk")))
        return queryset.filter(answered if value == "oui" else ~answered)

    def filter_mine(self, queryset, name, value):
        if not value or self.user is None:
            return queryset
        return queryset.filter(Q(created_by=self.user) | Q(referent_official=self.user))


def request_filter(params, *, user: User, archived: bool | None) -> RequestFilter:
    """The filters of ``params`` over the requests ``user`` may see (``request_list``): what
    a list, its export and the statistics all start from."""
    return RequestFilter(params, queryset=request_list(user=user, archived=archived), user=user)


ARCHIVES_ONLY = "1"
ARCHIVES_TOO = "tout"


def archive_scope(params, default: bool | None = False) -> bool | None:
    """Which requests a search, an export or the statistics cover, from ``archives``:
    « 1 » the archives (as /archives/), « tout » live and archived alike (``None``), absent
    ``default``; anything else (a crafted URL) the live ones."""
    value = params.get("archives", "")
    if value == ARCHIVES_ONLY:
        return True
    if value == ARCHIVES_TOO:
        return None
    return default if value == "" else False
