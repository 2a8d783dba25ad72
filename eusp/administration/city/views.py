"""/administration/parametres/: the city's name, letters, sender, delays, days, limits, retention."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from eusp.core.city_settings import city_settings

from ..access import administration_required
from .forms import CitySettingsForm
from .services import city_settings_update


@require_http_methods(["GET", "POST"])
@administration_required
def settings_view(request):
    city = city_settings(fresh=True)
    form = CitySettingsForm(request.POST or None, instance=city)
    if request.method == "POST":
        if form.is_valid():
            changed = {name: form.cleaned_data[name] for name in form.Meta.fields}
            city_settings_update(actor=request.user, city=city, changed=changed)
            messages.success(request, _("Les paramètres sont enregistrés."))
            return redirect("administration:settings")
        return render(request, "administration/city/settings.html", {"form": form}, status=400)
    return render(request, "administration/city/settings.html", {"form": form})
