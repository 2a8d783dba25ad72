from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from .forms import PreferencesForm


@require_http_methods(["GET", "POST"])
def preferences_view(request):
    """/compte/: who I am, and how I receive alerts (each at once, or a daily digest)."""
    form = PreferencesForm(request.POST if request.method == "POST" else None, instance=request.user)
    if request.method == "POST":
        if form.is_valid():
            # Only this field: an administrator's change to the same account meanwhile
            # (deactivation, new address) must not be overwritten.
            form.instance.save(update_fields=["alert_mode"])
            messages.success(request, _("Vos préférences sont enregistrées."))
            return redirect("accounts:preferences")
        return render(request, "accounts/preferences.html", {"form": form}, status=400)
    return render(request, "accounts/preferences.html", {"form": form})
