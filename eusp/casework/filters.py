"""List filters. Every filter is a query parameter, so a filtered view is a URL to bookmark."""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from eusp.accounts.models import Profile, User
from eusp.directory.models import District, Origin, Phase, Service, State


class RequestFilter(django_filters.FilterSet):
    state = django_filters.ModelChoiceFilter(label=_("État"), queryset=State.objects.all(), empty_label=_("Tous"))
    phase = django_filters.ChoiceFilter(
        label=_("Phase"), field_name="state__phase", choices=Phase.choices, empty_label=_("Toutes")
    )
    district = django_filters.ModelChoiceFilter(
        label=_("Quartier"), queryset=District.objects.all(), empty_label=_("Tous")
    )
    service = django_filters.ModelChoiceFilter(
        label=_("Service"),
        queryset=Service.objects.all(),
        method="filter_service",
        empty_label=_("Tous"),
        help_text=_("Instructeur ou exécution"),
    )
    referent_official = django_filters.ModelChoiceFilter(
        label=_("Élu référent"), queryset=User.objects.filter(profile=Profile.ELECTED), empty_label=_("Tous")
    )
    origin = django_filters.ModelChoiceFilter(
        label=_("Origine"), queryset=Origin.objects.all(), empty_label=_("Toutes")
    )

    def filter_service(self, queryset, name, value):
        return queryset.filter(Q(instructing_service=value) | Q(executing_service=value))
