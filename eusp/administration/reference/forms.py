"""Forms of the reference lists. They parse input only: the rules (unique names, colours,
the initial state…) live in ``services``, whose French errors come back onto these forms."""

from django import forms
from django.utils.translation import gettext_lazy as _

from eusp.accounts.models import Profile, User
from eusp.casework.services.instruction import MAX_DELAY_DAYS
from eusp.core.forms import offered_or_held
from eusp.directory.models import Service

from ..forms import PkMultipleChoiceField


class ReferenceForm(forms.ModelForm):
    """Base of every kind's form; the model and fields come from the registry."""

    def validate_unique(self):
        # Checked by the service, case-insensitively and with a French message of its own.
        pass

    def service_data(self) -> dict:
        """The cleaned values the service applies."""
        return {name: self.cleaned_data[name] for name in self.fields if name in self.cleaned_data}


class FlagForm(ReferenceForm):
    """A form with the flag one entry holds (the initial state, the default priority).

    The flag is a plain field, not a model one: the model's constraint would refuse a
    second holder, while the service moves the flag from the holder in one transaction."""

    flag_name = ""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields[self.flag_name].initial = getattr(self.instance, self.flag_name)


class MemberChoiceField(PkMultipleChoiceField):
    def label_from_instance(self, user: User) -> str:
        return f"{user} ({user.email})" if user.email else str(user)


class ServiceForm(ReferenceForm):
    members = MemberChoiceField(
        label=_("Membres du service"),
        queryset=User.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "Les agents membres voient les demandes du service et reçoivent ses alertes ; "
            "sans membre actif, les alertes partent à l'adresse e-mail du service."
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["email"].help_text = _(
            "Boîtes partagées du service, séparées par des virgules : elles reçoivent ses alertes quand il n'a "
            "aucun membre actif."
        )
        # Active agents, and whoever is a member already (kept even if no longer active).
        held = self.instance.members.all() if self.instance.pk else None
        if held is not None:
            self.fields["members"].initial = list(held.values_list("pk", flat=True))
        agents = User.objects.filter(is_active=True, profile=Profile.AGENT)
        self.fields["members"].queryset = offered_or_held(agents, held).order_by("last_name", "first_name", "pk")

    def service_data(self) -> dict:
        return {**super().service_data(), "members": list(self.cleaned_data.get("members", []))}


class CategoryForm(ReferenceForm):
    default_delay_days = forms.IntegerField(
        label=_("Délai par défaut (jours ouvrés)"),
        required=False,
        min_value=0,
        max_value=MAX_DELAY_DAYS,
        help_text=_("Le délai habituel de traitement des demandes de cette catégorie."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Active services of the right role, and the one already chosen (shown even if deactivated).
        for name, kinds in (
            ("default_instructing_service", [Service.Kind.INSTRUCTING, Service.Kind.BOTH]),
            ("default_executing_service", [Service.Kind.EXECUTING, Service.Kind.BOTH]),
        ):
            offered = Service.objects.filter(is_active=True, kind__in=kinds)
            held = getattr(self.instance, f"{name}_id", None)
            self.fields[name].queryset = offered_or_held(offered, held).order_by("position", "pk")


class StateForm(FlagForm):
    flag_name = "is_initial"
    is_initial = forms.BooleanField(
        label=_("État initial"),
        required=False,
        help_text=_("État donné aux nouvelles demandes ; le cocher ici le retire de l'état initial actuel."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        colour = self.fields["colour"]
        colour.help_text = _(
            "Code hexadécimal de six chiffres, par exemple #1f5fa8 ; assez foncée pour que le libellé, "
            "écrit en blanc, reste lisible."
        )
        colour.widget.attrs.update({"pattern": "#[0-9a-fA-F]{6}", "size": 8, "spellcheck": "false"})
        self.fields["phase"].help_text = _(
            "Le sens fixe de l'état, que lisent le suivi et les statistiques. Il ne change plus "
            "une fois l'état utilisé par des demandes."
        )


class PriorityForm(FlagForm):
    flag_name = "is_default"
    is_default = forms.BooleanField(
        label=_("Par défaut"),
        required=False,
        help_text=_(
            "Priorité donnée aux nouvelles demandes ; la cocher ici la retire de la priorité par défaut actuelle."
        ),
    )


class AnswerTemplateForm(ReferenceForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["body"].widget = forms.Textarea(attrs={"rows": 14})
        self.fields["subject"].help_text = _("Vide : « Votre demande {reference} ».")


class MergeForm(forms.Form):
    """The entry of the same kind that receives everything the merged one had."""

    target = forms.ModelChoiceField(
        label=_("Fusionner dans"),
        queryset=None,
        empty_label=_("— choisir —"),
        error_messages={
            "required": _("Choisissez l'entrée qui remplace celle-ci."),
            "invalid_choice": _("Choisissez une entrée active de la même liste, autre que celle-ci."),
        },
    )

    def __init__(self, *args, source, **kwargs):
        super().__init__(*args, **kwargs)
        # Only active entries are offered: an inactive target would hide the requests moved to it.
        model = type(source)
        self.fields["target"].queryset = model.objects.filter(is_active=True).exclude(pk=source.pk)
