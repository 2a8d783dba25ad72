from django import forms
from django.utils.translation import gettext_lazy as _

from .two_factor import code_is_well_formed


class CodeForm(forms.Form):
    """The 6-digit code of the authenticator app; spaces typed in the middle are forgiven.

    Rendered by accounts/two_factor_code_field.html (numeric keyboard, one-time-code autofill).
    """

    code = forms.CharField(
        label=_("Code à 6 chiffres"),
        help_text=_("Le code affiché par votre application d'authentification ; il change toutes les 30 secondes."),
        max_length=20,
        error_messages={
            "required": _("Saisissez les 6 chiffres affichés par votre application."),
            "max_length": _("Saisissez les 6 chiffres affichés par votre application."),
        },
    )

    def clean_code(self) -> str:
        code = "".join(self.cleaned_data["code"].split())
        if not code_is_well_formed(code):
            raise forms.ValidationError(_("Saisissez les 6 chiffres affichés par votre application."))
        return code
