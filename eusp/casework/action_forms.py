"""Forms of the follow-up sheet's actions. They only parse input: the rules live in
the services, whose French ValidationErrors come back onto these forms."""

from django import forms
from django.utils.translation import gettext_lazy as _

from eusp.core.forms import offered_or_held
from eusp.directory.models import Priority, Service, State

from .forms import DateInput, RequestCreateForm
from .models import Feasibility, ServiceRequest
from .permissions import Action, can

NOTE_WIDGET = forms.Textarea(attrs={"rows": 3})


class ActionForm(forms.Form):
    """A sheet action: knows its request and user, and its name in the page."""

    prefix_name = ""

    def __init__(self, *args, sr: ServiceRequest, user, **kwargs):
        kwargs.setdefault("prefix", self.prefix_name)
        super().__init__(*args, **kwargs)
        self.sr, self.user = sr, user


class StateForm(ActionForm):
    prefix_name = "state"
    state = forms.ModelChoiceField(label=_("Nouvel état"), queryset=State.objects.none())
    note = forms.CharField(label=_("Note"), required=False, widget=NOTE_WIDGET)
    reason = forms.CharField(
        label=_("Motif (classement sans suite)"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["state"].queryset = State.objects.filter(is_active=True).exclude(pk=self.sr.state_id)


class CloseForm(ActionForm):
    prefix_name = "close"
    outcome = forms.ChoiceField(
        label=_("Issue"),
        choices=[("done", _("Réalisée")), ("closed", _("Sans suite"))],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(label=_("Motif"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class InstructionForm(ActionForm):
    prefix_name = "instruction"
    feasibility = forms.ChoiceField(label=_("Faisabilité"), choices=Feasibility.choices, widget=forms.RadioSelect)
    expected_delay_days = forms.IntegerField(
        label=_("Délai prévu (jours ouvrés)"), required=False, min_value=0, max_value=3650
    )
    due_on = forms.DateField(
        label=_("ou échéance"), required=False, widget=DateInput(), help_text=_("Calculée à partir du délai si vide.")
    )
    estimated_cost = forms.DecimalField(
        label=_("Coût estimé (€)"), required=False, min_value=0, max_digits=12, decimal_places=2
    )
    multi_year_budget = forms.BooleanField(label=_("Budget pluriannuel"), required=False)
    budget_year = forms.IntegerField(label=_("Année budgétaire visée"), required=False, min_value=2000, max_value=2100)
    note = forms.CharField(label=_("Observations"), required=False, widget=NOTE_WIDGET)
    is_internal = forms.BooleanField(label=_("Interne (invisible des élus)"), required=False)


class ExecutionForm(ActionForm):
    prefix_name = "execution"
    note = forms.CharField(label=_("Avancement des travaux"), required=False, widget=NOTE_WIDGET)
    is_done = forms.BooleanField(label=_("Travaux réalisés"), required=False)
    done_on = forms.DateField(label=_("Réalisés le"), required=False, widget=DateInput())
    is_internal = forms.BooleanField(label=_("Interne (invisible des élus)"), required=False)


class CommentForm(ActionForm):
    prefix_name = "comment"
    note = forms.CharField(label=_("Commentaire"), widget=NOTE_WIDGET)
    is_internal = forms.BooleanField(label=_("Interne (invisible des élus)"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not can(self.user, Action.VIEW_INTERNAL, self.sr):
            del self.fields["is_internal"]


class ReminderForm(ActionForm):
    prefix_name = "reminder"
    service = forms.ModelChoiceField(label=_("Service à relancer"), queryset=Service.objects.none())
    message = forms.CharField(label=_("Message"), required=False, widget=NOTE_WIDGET)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        ids = {self.sr.instructing_service_id, self.sr.executing_service_id} - {None}
        self.fields["service"].queryset = Service.objects.filter(pk__in=ids)


class DuplicateForm(ActionForm):
    prefix_name = "duplicate"
    original = forms.RegexField(
        label=_("Référence de la demande d'origine"),
        regex=r"^\s*\d{4}-\d{5,}\s*$",
        error_messages={"invalid": _("Saisissez une référence comme 2026-00042.")},
    )


class ReactivateForm(ActionForm):
    prefix_name = "reactivate"
    note = forms.CharField(label=_("Motif de la réactivation"), required=False, widget=NOTE_WIDGET)


class ArchiveForm(ActionForm):
    prefix_name = "archive"


KEPT_WHEN_DEACTIVATED = (
    "origin",
    "category",
    "district",
    "referent_official",
    "instructing_service",
    "executing_service",
    "priority",
)


class RequestEditForm(RequestCreateForm):
    """Every field of the request, for the central service, with the version it was read at."""

    version = forms.IntegerField(widget=forms.HiddenInput)

    class Meta(RequestCreateForm.Meta):
        fields = [*RequestCreateForm.Meta.fields, "priority", "latitude", "longitude"]

    sections = (
        *RequestCreateForm.sections[:2],
        (_("Suivi de la demande"), ["referent_official", "instructing_service", "executing_service", "priority"]),
        (_("Coordonnées du lieu (facultatif)"), ["latitude", "longitude"]),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["priority"].queryset = Priority.objects.filter(is_active=True)
        # A deactivated entry is offered for nothing new, but the request keeps its own.
        for name in KEPT_WHEN_DEACTIVATED:
            field = self.fields[name]
            field.queryset = offered_or_held(field.queryset, getattr(self.instance, f"{name}_id"))
        self.fields["version"].initial = self.instance.version
        for name in ("instructing_service", "executing_service"):
            self.fields[name].help_text = ""
        # Values as they were when the page was built: a conflict shows what moved meanwhile.
        for field in self.fields.values():
            field.show_hidden_initial = True
        self.fields["version"].show_hidden_initial = False
