from django import forms
from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils.translation import gettext_lazy as _

from eusp.core.models import CitySettings

WEEKDAYS = [
    ("0", _("lundi")),
    ("1", _("mardi")),
    ("2", _("mercredi")),
    ("3", _("jeudi")),
    ("4", _("vendredi")),
    ("5", _("samedi")),
    ("6", _("dimanche")),
]

# (field, minimum, maximum): bounds a town hall can mean; anything else is a typo.
BOUNDS = [
    ("reminder_first_after_days", 1, 60),
    ("reminder_every_days", 1, 60),
    ("reminder_max", 0, 10),
    ("retention_months", 1, 240),
]


class CitySettingsForm(forms.ModelForm):
    working_weekdays = forms.MultipleChoiceField(
        label=_("Jours travaillés"),
        choices=WEEKDAYS,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Les délais en jours ouvrés ne comptent que ces jours ; les jours fériés ne comptent jamais."),
        error_messages={"required": _("Cochez au moins un jour travaillé.")},
    )

    confirm_retention = forms.BooleanField(
        label=_("Je confirme la nouvelle durée de conservation et l'anonymisation qui s'ensuit"), required=False
    )

    class Meta:
        model = CitySettings
        fields = [
            "city_name",
            "letterhead",
            "signature",
            "sender_name",
            "sender_email",
            "reminder_first_after_days",
            "reminder_every_days",
            "reminder_max",
            "working_weekdays",
            "upload_max_mb",
            "retention_months",
            "totp_required_for_central",
        ]
        widgets = {"letterhead": forms.Textarea(attrs={"rows": 4}), "signature": forms.Textarea(attrs={"rows": 3})}
        help_texts = {
            "reminder_max": _("0 : aucune relance automatique."),
            "retention_months": _(
                "Passé ce délai après l'archivage, chaque nuit, les données du demandeur sont effacées : identité, "
                "coordonnées, texte des réponses, courriels qui lui ont été envoyés et pièces jointes (photos "
                "comprises). Les statistiques restent."
            ),
            "totp_required_for_central": _(
                "Chaque membre du service centralisateur devra activer un code à usage unique (application "
                "d'authentification) à sa prochaine page, vous compris."
            ),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial["working_weekdays"] = list(self.instance.working_weekdays)
        ceiling = settings.EUSP_UPLOAD_CEILING_MB
        bounds = [*BOUNDS, ("upload_max_mb", 1, ceiling)]
        for name, low, high in bounds:
            field = self.fields[name]
            field.min_value, field.max_value = low, high
            field.validators += [MinValueValidator(low), MaxValueValidator(high)]
            field.widget.attrs.update(min=low, max=high)
        self.fields["upload_max_mb"].help_text = _("Au plus %(ceiling)s Mo (limite du serveur).") % {"ceiling": ceiling}

    def clean_working_weekdays(self) -> str:
        return "".join(sorted(self.cleaned_data["working_weekdays"]))
