from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from eusp.accounts.models import Profile, User
from eusp.directory.models import Category, District, Origin, Service

from .field_groups import ASSIGNMENT_FIELDS, OBJECT_FIELDS, REQUESTER_FIELDS
from .models import ServiceRequest


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class RequestCreateForm(forms.ModelForm):
    """The three sections of the brochure's « nouvelle demande » page."""

    sections = (
        (_("Identité du demandeur"), REQUESTER_FIELDS),
        (_("Objet de la demande"), OBJECT_FIELDS),
        (_("Suivi de la demande"), ASSIGNMENT_FIELDS),
    )

    class Meta:
        model = ServiceRequest
        fields = [*REQUESTER_FIELDS, *OBJECT_FIELDS, *ASSIGNMENT_FIELDS]
        widgets = {
            "received_on": DateInput(),
            "description": forms.Textarea(attrs={"rows": 5}),
            "requester_email": forms.EmailInput(attrs={"autocomplete": "off"}),
            "requester_phone": forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
        }

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        f = self.fields
        f["origin"].queryset = Origin.objects.filter(is_active=True)
        f["category"].queryset = Category.objects.filter(is_active=True).order_by("theme", "name")
        f["district"].queryset = District.objects.filter(is_active=True)
        f["referent_official"].queryset = User.objects.filter(profile=Profile.ELECTED, is_active=True)
        f["instructing_service"].queryset = Service.objects.filter(
            is_active=True, kind__in=[Service.Kind.INSTRUCTING, Service.Kind.BOTH]
        )
        f["executing_service"].queryset = Service.objects.filter(
            is_active=True, kind__in=[Service.Kind.EXECUTING, Service.Kind.BOTH]
        )
        for name in ("instructing_service", "executing_service"):
            f[name].help_text = _("Laissé vide, le service proposé par la catégorie est retenu.")
        f["received_on"].initial = timezone.localdate()
        if user.profile == Profile.ELECTED:
            f["referent_official"].initial = user.pk
        f["requester_civility"].choices = [("", _("—")), *list(f["requester_civility"].choices)[1:]]

    def clean_received_on(self):
        received_on = self.cleaned_data["received_on"]
        if received_on and received_on > timezone.localdate():
            raise forms.ValidationError(_("La date de réception ne peut pas être dans le futur."))
        return received_on

    def clean(self):
        cleaned = super().clean()
        if not (cleaned.get("requester_address") or cleaned.get("location_address")):
            self.add_error(
                "location_address",
                _("Indiquez l'adresse du demandeur ou l'adresse du lieu concerné, pour situer la demande."),
            )
        return cleaned

    def grouped_fields(self):
        return [(title, [self[name] for name in names]) for title, names in self.sections]
