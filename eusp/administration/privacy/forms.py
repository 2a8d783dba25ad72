"""/administration/donnees-personnelles/: finding a requester, choosing their requests,
confirming an erasure."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from eusp.administration.forms import parse_pk
from eusp.casework.models import ServiceRequest

MAX_REQUESTS = 500  # one person's requests; more is a crafted form, not a requester
CONFIRMATION_WORD = "EFFACER"


class RequesterSearchForm(forms.Form):
    email = forms.EmailField(label=_("E-mail"), required=False, max_length=254)
    last_name = forms.CharField(label=_("Nom"), required=False, max_length=120)
    first_name = forms.CharField(
        label=_("Prénom"), required=False, max_length=120, help_text=_("Facultatif : restreint la recherche par nom.")
    )
    phone = forms.CharField(label=_("Téléphone"), required=False, max_length=30, help_text=_("Facultatif."))

    def clean(self):
        cleaned = super().clean()
        if not (cleaned.get("email") or (cleaned.get("last_name") or "").strip()) and not self.errors:
            raise ValidationError(_("Indiquez l'e-mail ou le nom du demandeur."))
        return cleaned


class RequestsField(forms.ModelMultipleChoiceField):
    """Request ids, checked as numbers a database key can hold before any query (SQLite
    cannot even be asked about a larger one), and not too many of them."""

    def _check_values(self, value):
        if len(value) > MAX_REQUESTS:
            raise ValidationError(_("Pas plus de %(max)s demandes à la fois.") % {"max": MAX_REQUESTS})
        for pk in value:
            if parse_pk(str(pk)) is None:
                raise ValidationError(self.error_messages["invalid_pk_value"], code="invalid_pk_value")
        return super()._check_values(value)


class RequestSelectionForm(forms.Form):
    """The requests the staff confirmed as the person's (checkboxes of the search result)."""

    requests = RequestsField(
        label=_("Demandes"),
        queryset=ServiceRequest.objects.all(),
        widget=forms.MultipleHiddenInput,
        error_messages={
            "required": _("Cochez au moins une demande."),
            "invalid_choice": _("Une des demandes choisies n'existe pas ou plus."),
            "invalid_pk_value": _("Une des demandes choisies n'existe pas ou plus."),
            "invalid_list": _("Cochez au moins une demande."),
        },
    )


class ErasureForm(RequestSelectionForm):
    confirmation = forms.CharField(
        label=_("Pour confirmer, saisissez le mot EFFACER"),
        max_length=20,
        error_messages={"required": _("Saisissez le mot EFFACER pour confirmer l'effacement.")},
    )
    reason = forms.CharField(
        label=_("Motif (facultatif)"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_(
            "Gardé au journal des changements, sans les données effacées : ne citez pas le nom de la personne "
            "(par exemple « courrier reçu le 12/03 »)."
        ),
    )

    def clean_confirmation(self):
        value = self.cleaned_data["confirmation"].strip().upper()
        if value != CONFIRMATION_WORD:
            raise ValidationError(_("Saisissez le mot EFFACER pour confirmer l'effacement."))
        return value
