from axes.helpers import get_client_username, get_cool_off
from django.contrib import messages
from django.contrib.auth.forms import AuthenticationForm
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods

from eusp.core.redirects import safe_next

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


def login_locked_out(request, original_response=None, credentials=None):
    """The login page again, saying why even the right password is refused (AXES_LOCKOUT_CALLABLE).

    Axes calls this instead of the login view's response once a (username, IP) pair has
    failed too often; 429 tells scripts to slow down while a person reads the message.
    """
    cool_off = get_cool_off(request)
    if cool_off:
        minutes = max(1, round(cool_off.total_seconds() / 60))
        message = ngettext(
            "Trop de tentatives de connexion échouées : ce compte est bloqué depuis cette adresse "
            "pendant %(minutes)s minute. Réessayez plus tard ou demandez au service centralisateur "
            "de le débloquer.",
            "Trop de tentatives de connexion échouées : ce compte est bloqué depuis cette adresse "
            "pendant %(minutes)s minutes. Réessayez plus tard ou demandez au service centralisateur "
            "de le débloquer.",
            minutes,
        ) % {"minutes": minutes}
    else:
        message = _(
            "Trop de tentatives de connexion échouées : ce compte est bloqué depuis cette adresse. "
            "Demandez au service centralisateur de le débloquer."
        )
    next_url = request.POST.get("next") or request.GET.get("next", "")
    context = {
        "form": AuthenticationForm(request, initial={"username": get_client_username(request, credentials)}),
        "lockout_message": message,
        "next": safe_next(request, next_url),
    }
    return render(request, "accounts/login.html", context, status=429)
