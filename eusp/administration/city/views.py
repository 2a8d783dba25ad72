"""/administration/parametres/: the city's name, letters, sender, delays, days, limits, retention."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from eusp.casework.services.anonymisation import retention_due
from eusp.core.city_settings import city_settings
from eusp.core.models import CitySettings

from ..access import administration_required
from .forms import CitySettingsForm
from .services import city_settings_update


def _shortened_retention_unconfirmed(form: CitySettingsForm, city: CitySettings) -> dict | None:
    """A shorter retention period erases data the next night: how much, until confirmed."""
    months = form.cleaned_data["retention_months"]
    current = CitySettings.objects.values_list("retention_months", flat=True).get(pk=city.pk)
    if months >= current or form.cleaned_data["confirm_retention"]:
        return None
    return {"months": months, "count": retention_due(months=months).count()}


@require_http_methods(["GET", "POST"])
@administration_required
def settings_view(request):
    # A copy, not the row every request of this process reads: an invalid form still
    # writes its valid fields onto its instance, which must not become the live settings.
    city = CitySettings.objects.get(pk=city_settings().pk)
    form = CitySettingsForm(request.POST or None, instance=city)
    if request.method == "POST":
        if form.is_valid() and (anonymised := _shortened_retention_unconfirmed(form, city)) is not None:
            context = {"form": form, "retention_warning": anonymised}
            return render(request, "administration/city/settings.html", context, status=400)
        if form.is_valid():
            changed = {name: form.cleaned_data[name] for name in form.Meta.fields}
            city_settings_update(actor=request.user, city=city, changed=changed)
            messages.success(request, _("Les paramètres sont enregistrés."))
            return redirect("administration:settings")
        return render(request, "administration/city/settings.html", {"form": form}, status=400)
    return render(request, "administration/city/settings.html", {"form": form})
