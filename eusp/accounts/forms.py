from django import forms
from django.utils.translation import gettext_lazy as _

from .models import AlertMode, User


class PreferencesForm(forms.ModelForm):
    alert_mode = forms.ChoiceField(
        label=User._meta.get_field("alert_mode").verbose_name,
        choices=AlertMode.choices,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": _("Choisissez l'une des deux façons de recevoir les alertes.")},
    )

    class Meta:
        model = User
        fields = ["alert_mode"]
