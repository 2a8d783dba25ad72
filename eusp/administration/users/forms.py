from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from eusp.accounts.models import Profile, User

from ..forms import PkMultipleChoiceField
from .selectors import DEFAULT_STATE, district_choices, service_choices
from .services import user_rules_check


def _reference_label(entry) -> str:
    return entry.name if entry.is_active else gettext("%(name)s (désactivé)") % {"name": entry.name}


class ReferenceChoiceField(PkMultipleChoiceField):
    """Checkboxes of reference entries; a closed one still held by the account says so."""

    widget = forms.CheckboxSelectMultiple

    def label_from_instance(self, obj) -> str:
        return _reference_label(obj)


class UserForm(forms.ModelForm):
    """The account's fields. The rules (unique login and address in any case, a service for
    an agent, quartiers for an élu only) are the services'; the form asks them too, so that
    every error shows at once."""

    class Meta:
        model = User
        fields = [
            "username",
            "first_name",
            "last_name",
            "email",
            "profile",
            "services",
            "districts",
            "phone",
            "job_title",
        ]
        field_classes = {"services": ReferenceChoiceField, "districts": ReferenceChoiceField}
        labels = {
            "username": _("Identifiant de connexion"),
            "first_name": _("Prénom"),
            "last_name": _("Nom"),
            "email": _("Adresse e-mail"),
            "districts": _("Quartiers (élus seulement)"),
        }
        help_texts = {
            "username": _("150 caractères au plus : lettres, chiffres et @ . + - _ seulement."),
            "email": _("Le lien pour choisir le mot de passe et les alertes y sont envoyés."),
            "services": _(
                "Obligatoire pour un agent : il voit les demandes confiées à ses services. Les membres d'un "
                "service reçoivent ses alertes."
            ),
            "districts": _("L'élu devient le référent des nouvelles demandes situées dans ces quartiers."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("first_name", "last_name", "email"):
            self.fields[name].required = True
        self.fields["services"].queryset = service_choices(self.instance)
        self.fields["districts"].queryset = district_choices(self.instance)
        self.fields["email"].widget.attrs["autocomplete"] = "off"
        self.fields["phone"].widget.input_type = "tel"

    def clean(self):
        cleaned = super().clean()
        try:
            user_rules_check(cleaned, user_pk=self.instance.pk)
        except ValidationError as error:
            for field, messages in error.message_dict.items():
                if field in self.fields and not self.has_error(field):
                    self.add_error(field, messages)
        return cleaned

    def validate_unique(self):
        """Left to the services, which compare without regard to case."""

    def service_data(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


class UserFilterForm(forms.Form):
    """The list's query parameters; a crafted value is ignored, never an error."""

    q = forms.CharField(label=_("Rechercher"), required=False, max_length=150)
    profil = forms.ChoiceField(label=_("Profil"), required=False)
    service = forms.TypedChoiceField(label=_("Service"), required=False, coerce=int, empty_value=None)
    etat = forms.ChoiceField(
        label=_("État du compte"),
        required=False,
        choices=[("actifs", _("Actifs")), ("desactives", _("Désactivés")), ("tous", _("Tous"))],
    )

    def __init__(self, data, *, services):
        super().__init__(data)
        self.fields["profil"].choices = [("", _("Tous")), *Profile.choices]
        self.fields["service"].choices = [("", _("Tous"))] + [
            (service.pk, _reference_label(service)) for service in services
        ]

    def filters(self) -> dict:
        """The valid parameters; each invalid one falls back to its default."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {
            "query": data.get("q") or "",
            "profile": data.get("profil") or "",
            "service_id": data.get("service"),
            "state": data.get("etat") or DEFAULT_STATE,
        }
