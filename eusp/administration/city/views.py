"""/administration/parametres/: the city's name, letters, sender, delays, days, limits, retention."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from eusp.core.city_settings import city_settings

from .forms import CitySettingsForm
from .services import RetentionConfirmationNeeded, city_settings_update

TEMPLATE = "administration/city/settings.html"


@require_http_methods(["GET", "POST"])
def settings_view(request):
    form = CitySettingsForm(request.POST or None, instance=city_settings(fresh=True))
    if request.method == "GET":
        return render(request, TEMPLATE, {"form": form})
    if not form.is_valid():
        return render(request, TEMPLATE, {"form": form}, status=400)
    changed = {name: form.cleaned_data[name] for name in form.Meta.fields}
    try:
        city_settings_update(
            actor=request.user, changed=changed, confirm_retention=form.cleaned_data["confirm_retention"]
        )
    except RetentionConfirmationNeeded as shortened:
        context = {"form": form, "retention_warning": {"months": shortened.months, "count": shortened.count}}
        return render(request, TEMPLATE, context, status=400)
    messages.success(request, _("Les paramètres sont enregistrés."))
    return redirect("administration:settings")
