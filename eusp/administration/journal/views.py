"""/administration/journal/: every administrative change, who made it, when, before → after."""

from datetime import date

from django import forms
from django.core.exceptions import ValidationError
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from eusp.accounts.models import Profile, User
from eusp.core.pagination import uncounted_page

from ..models import AdminChange
from .selectors import journal_list, journal_target_types

EARLIEST, LATEST = date(2000, 1, 1), date(2100, 12, 31)


def _plausible_date(value: date) -> None:
    # Beyond these, computing the day's end overflows; no change was recorded there anyway.
    if not EARLIEST <= value <= LATEST:
        raise ValidationError(_("Indiquez une date entre 2000 et 2100."))


class JournalFilterForm(forms.Form):
    type = forms.ChoiceField(label=_("Objet"), required=False)
    action = forms.ChoiceField(label=_("Action"), required=False)
    auteur = forms.ModelChoiceField(label=_("Auteur"), queryset=User.objects.none(), required=False)
    du = forms.DateField(label=_("Du"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    au = forms.DateField(label=_("Au"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    q = forms.CharField(label=_("Nom de l'objet"), required=False, max_length=120)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("du", "au"):
            self.fields[name].validators.append(_plausible_date)
        self.fields["type"].choices = [("", _("Tous")), *journal_target_types()]
        self.fields["action"].choices = [("", _("Toutes")), *AdminChange.Action.choices]
        self.fields["auteur"].queryset = User.objects.filter(profile=Profile.CENTRAL)
        self.fields["auteur"].empty_label = _("Tous")


def journal_view(request):
    form = JournalFilterForm(request.GET or None)
    # A wrong filter (crafted or mistyped) is shown with its message and filters nothing.
    criteria = {name: value for name, value in form.cleaned_data.items() if value} if form.is_valid() else {}
    changes = journal_list(
        target_type=criteria.get("type", ""),
        target_id=request.GET.get("objet", "")[:40],
        action=criteria.get("action", ""),
        actor_id=criteria["auteur"].pk if "auteur" in criteria else None,
        since=criteria.get("du"),
        until=criteria.get("au"),
        query=criteria.get("q", ""),
    )
    context = {"form": form, **uncounted_page(changes, request)}
    return render(request, "administration/journal/list.html", context)
