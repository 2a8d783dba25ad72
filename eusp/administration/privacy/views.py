"""/administration/donnees-personnelles/: the retention rule at a glance, and a requester's
rights — find what is held about them, export it (right of access), erase it.

Names, e-mails and phones are sent by POST, never in the address: they stay out of the
server's access logs and the browser's history. No page is cached.
"""

import json

from django.contrib import messages
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from eusp.casework.services.anonymisation import Reason, requests_anonymise
from eusp.casework.services.requester_data import requester_access_export, requester_data, requester_requests

from .forms import ErasureForm, RequesterSearchForm, RequestSelectionForm
from .selectors import held_data, retention_overview

HOME = "administration:privacy-home"


def _rows(requests, matched_on: dict | None = None) -> list[dict]:
    return [{"sr": sr, "held": held_data(sr), "matched_on": (matched_on or {}).get(sr.pk, [])} for sr in requests]


def _selection_refused(request, form) -> HttpResponse:
    for errors in form.errors.values():
        for error in errors:
            messages.error(request, error)
    return redirect(HOME)


@never_cache
@require_http_methods(["GET", "POST"])
def privacy_home_view(request):
    form = RequesterSearchForm(request.POST if request.method == "POST" else None)
    context = {"form": form, "retention": retention_overview(), "searched": form.is_bound}
    if form.is_valid():
        found = requester_data(user=request.user, **form.cleaned_data)
        context.update(rows=_rows(found.requests, found.matched_on), truncated=found.truncated)
    return render(request, "administration/privacy/home.html", context)


@never_cache
@require_POST
def privacy_export_view(request):
    """The right of access: a JSON file, or a page to print, of the chosen requests."""
    form = RequestSelectionForm(request.POST)
    if not form.is_valid():
        return _selection_refused(request, form)
    printable = request.POST.get("format") == "html"
    note = _("Page imprimable.") if printable else _("Fichier JSON.")
    data = requester_access_export(form.cleaned_data["requests"], actor=request.user, note=note)
    if printable:
        return render(request, "administration/privacy/access_export.html", {"export": data})
    content = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2)
    response = HttpResponse(content, content_type="application/json; charset=utf-8")
    filename = f"donnees-personnelles-{timezone.localdate():%Y-%m-%d}.json"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@never_cache
@require_POST
def privacy_erase_view(request):
    """Erasure in two steps: the chosen requests and what will go, then the typed confirmation."""
    if "confirm" not in request.POST:
        selection = RequestSelectionForm(request.POST)
        if not selection.is_valid():
            return _selection_refused(request, selection)
        form = ErasureForm(initial={"requests": selection.cleaned_data["requests"]})
        requests = selection.cleaned_data["requests"]
    else:
        form = ErasureForm(request.POST)
        if form.is_valid():
            counts = requests_anonymise(
                form.cleaned_data["requests"],
                actor=request.user,
                reason=Reason.ERASURE,
                note=form.cleaned_data["reason"],
            )
            if counts.requests:
                messages.success(request, _("Données personnelles effacées : %(what)s.") % {"what": counts.describe()})
            else:
                messages.info(request, _("Ces demandes ne détenaient plus de données personnelles du demandeur."))
            return redirect(HOME)
        if "requests" in form.errors:
            return _selection_refused(request, form)
        requests = form.cleaned_data["requests"]
    rows = _rows(requester_requests(request.user, [sr.pk for sr in requests]))
    return render(request, "administration/privacy/erase_confirm.html", {"form": form, "rows": rows})
