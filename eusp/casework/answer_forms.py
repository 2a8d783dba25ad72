"""The answer form. It only parses input: the rules live in ``services.answers``,
whose French ValidationErrors come back onto it."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from eusp.directory.models import AnswerTemplate

from .forms import DateInput
from .models import AnswerChannel, ServiceRequest
from .services.answers import answer_render


class AnswerForm(forms.Form):
    channel = forms.ChoiceField(label=_("Canal"), choices=AnswerChannel.choices, widget=forms.RadioSelect)
    template = forms.ModelChoiceField(
        label=_("Modèle de réponse"),
        queryset=AnswerTemplate.objects.none(),
        required=False,
        empty_label=_("— Aucun modèle —"),
    )
    subject = forms.CharField(label=_("Objet"), max_length=200, required=False)
    text = forms.CharField(label=_("Texte de la réponse"), widget=forms.Textarea(attrs={"rows": 14}))
    answered_on = forms.DateField(label=_("Date de la réponse"), widget=DateInput())
    include_duplicates = forms.BooleanField(label=_("Répondre aussi aux doublons"), required=False)

    def __init__(self, *args, sr: ServiceRequest, has_duplicates: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.sr = sr
        self.fields["template"].queryset = AnswerTemplate.objects.filter(is_active=True)
        self.fields["answered_on"].initial = timezone.localdate()
        self.fields["channel"].initial = AnswerChannel.EMAIL if sr.requester_email else AnswerChannel.LETTER
        self.fields["subject"].help_text = _("Laissé vide : « Votre demande %(reference)s ».") % {
            "reference": sr.reference
        }
        if not has_duplicates:
            del self.fields["include_duplicates"]


def template_initial(template: AnswerTemplate, sr: ServiceRequest, *, keep_placeholders: bool) -> dict:
    """Subject and text of a template, filled in for this request.

    With duplicates the placeholders are kept: the service fills them for each
    request answered, so each duplicate's requester gets their own name.
    """
    if keep_placeholders:
        return {"template": template.pk, "subject": template.subject, "text": template.body}
    return {
        "template": template.pk,
        "subject": answer_render(template.subject, sr),
        "text": answer_render(template.body, sr),
    }
