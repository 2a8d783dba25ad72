"""Choosing a password through the mailed link, and asking for one (« Mot de passe oublié ? »).

Both pages are open without a login; neither tells whether an address has an account.
"""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.password_validation import password_validators_help_texts
from django.contrib.auth.views import PasswordResetConfirmView
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_http_methods

from .password_link import FORGOTTEN_MIN_INTERVAL, password_forgotten_request, password_link_valid_days


@method_decorator(login_not_required, name="dispatch")
class PasswordSetView(PasswordResetConfirmView):
    """/compte/mot-de-passe/<uidb64>/<token>/: Django's checks (token, one use, expiry), with
    the project's password validators, French pages, and a refusal for a deactivated account."""

    template_name = "accounts/password_set.html"
    # Where the token, once checked, is replaced (kept in the session, out of the Referer).
    reset_url_token = "choisir"  # noqa: S105 - a URL segment, not a password
    success_url = reverse_lazy("accounts:login")

    def get_user(self, uidb64):
        user = super().get_user(uidb64)
        return user if user is not None and user.is_active else None

    def get_context_data(self, **kwargs):
        # The rules of AUTH_PASSWORD_VALIDATORS, in the user's language, before they type.
        return super().get_context_data(**kwargs, password_rules=password_validators_help_texts())

    def form_valid(self, form):
        response = super().form_valid(form)
        text = _("Votre mot de passe est enregistré. Connectez-vous avec votre identifiant et ce mot de passe.")
        messages.success(self.request, text)
        return response


password_set_view = PasswordSetView.as_view()


class PasswordForgottenForm(forms.Form):
    email = forms.EmailField(
        label=gettext_lazy("Votre adresse e-mail"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
        error_messages={
            "required": gettext_lazy("Saisissez votre adresse e-mail."),
            "invalid": gettext_lazy("Saisissez une adresse e-mail valide, par exemple prenom.nom@ville.fr."),
        },
    )


@login_not_required
@require_http_methods(["GET", "POST"])
def password_forgotten_view(request):
    """/compte/mot-de-passe-oublie/: the same answer whether or not the address has an account."""
    form = PasswordForgottenForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if form.is_valid():
            password_forgotten_request(email=form.cleaned_data["email"])
            days = password_link_valid_days()
            text = ngettext(
                "Si un compte actif correspond à cette adresse, un lien pour choisir un nouveau mot de passe "
                "vient de lui être envoyé (un seul toutes les %(minutes)s minutes). Il est valable %(days)s jour. "
                "Pensez à regarder dans les courriers indésirables.",
                "Si un compte actif correspond à cette adresse, un lien pour choisir un nouveau mot de passe "
                "vient de lui être envoyé (un seul toutes les %(minutes)s minutes). Il est valable %(days)s jours. "
                "Pensez à regarder dans les courriers indésirables.",
                days,
            )
            minutes = int(FORGOTTEN_MIN_INTERVAL.total_seconds() // 60)
            messages.info(request, text % {"minutes": minutes, "days": days})
            return redirect("accounts:login")
        return render(request, "accounts/password_forgotten.html", {"form": form}, status=400)
    return render(request, "accounts/password_forgotten.html", {"form": form})
