"""/administration/listes/: the reference lists (origins, quartiers, services, categories,
states, priorities, answer templates) — add, edit, reorder, deactivate, delete or merge.

Thin views: the registry says what each list holds, the services apply the rules. The
access check comes before the method check: anyone but the central service gets 403,
whatever the method."""

from functools import cache

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.forms import modelform_factory
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from eusp.casework.models import ServiceRequest
from eusp.casework.permissions import visible_requests
from eusp.casework.services.answers import ANSWER_PLACEHOLDERS, DEFAULT_SUBJECT, answer_placeholders, answer_render
from eusp.casework.services.answers import PLACEHOLDER_PATTERN as PLACEHOLDER
from eusp.core.forms import form_add_errors

from .forms import MergeForm, ReferenceForm
from .registry import KINDS, ReferenceKind, kind_get
from .services import (
    in_use_message,
    reference_create,
    reference_deactivate,
    reference_delete,
    reference_merge,
    reference_move,
    reference_reactivate,
    reference_update,
)
from .usage import usage_counts, usage_of

TEMPLATES_SLUG = "modeles-de-reponse"


@cache
def _form_class(kind: ReferenceKind) -> type[ReferenceForm]:
    # The flag is a field of the form class itself (see forms.FlagForm).
    return modelform_factory(kind.model, form=kind.form_class, fields=[f for f in kind.fields if f != kind.flag])


def _list_url(kind: ReferenceKind, pk: int | None = None) -> str:
    url = reverse("administration:reference-list", kwargs={"kind": kind.slug})
    return f"{url}#entree-{pk}" if pk else url


def _entry(slug: str, pk: int):
    kind = kind_get(slug)
    return kind, kind.entry_get(pk)


def reference_home_view(request):
    sections = []
    for kind in KINDS.values():
        counts = kind.model.objects.aggregate(total=Count("pk"), active=Count("pk", filter=Q(is_active=True)))
        sections.append({"kind": kind, **counts})
    return render(request, "administration/reference/home.html", {"sections": sections})


def reference_list_view(request, kind: str):
    kind = kind_get(kind)
    entries = list(kind.queryset())
    usages = usage_counts(kind.model)
    rows = [{"entry": entry, "cells": kind.cells(entry), "usages": usages.get(entry.pk, [])} for entry in entries]
    context = {"kind": kind, "rows": rows, "columns": kind.columns, "kinds": KINDS.values()}
    return render(request, "administration/reference/list.html", context)


def _sample(user) -> tuple[ServiceRequest, dict[str, str], bool]:
    """The most recent request the user sees, or a fictional one: (request, values, fictional)."""
    sr = (
        visible_requests(user)
        .select_related("district", "instructing_service", "executing_service")
        .order_by("-created_at", "-pk")
        .first()
    )
    if sr is not None:
        return sr, answer_placeholders(sr), False
    today = timezone.localdate()
    sr = ServiceRequest(
        reference=f"{today.year}-00042",
        subject=_("Nid-de-poule devant l'école"),
        requester_civility="mme",
        requester_first_name="Jeanne",
        requester_last_name="Durand",
        requester_address=_("12 rue des Lilas"),
        received_on=today,
        created_at=timezone.now(),
        due_on=today,
    )
    values = answer_placeholders(sr)
    values.update(quartier=_("Centre-ville"), service_instructeur=_("Voirie"), service_execution=_("Voirie"))
    return sr, values, True


def _preview(user, subject: str, body: str) -> dict:
    sr, values, fictional = _sample(user)
    used = set(PLACEHOLDER.findall(f"{subject}\n{body}"))
    return {
        "sample": sr,
        "fictional": fictional,
        "subject": " ".join(answer_render(subject or str(DEFAULT_SUBJECT), sr, values).split()),
        "body": answer_render(body, sr, values),
        "unknown": sorted(f"{{{token}}}" for token in used - ANSWER_PLACEHOLDERS.keys()),
        "placeholders": [
            {"token": f"{{{name}}}", "label": label, "value": values.get(name, ""), "used": name in used}
            for name, label in ANSWER_PLACEHOLDERS.items()
        ],
    }


def _form_page(request, kind: ReferenceKind, entry=None):
    form_class = _form_class(kind)
    form = form_class(request.POST if request.method == "POST" else None, instance=entry)
    preview = None
    if request.method == "POST" and form.is_valid():
        if kind.slug == TEMPLATES_SLUG and "apercu" in request.POST:
            # Preview of the text as typed, nothing saved.
            preview = _preview(request.user, form.cleaned_data["subject"], form.cleaned_data["body"])
        else:
            try:
                if entry is None:
                    entry = reference_create(kind=kind, data=form.service_data(), actor=request.user)
                    text = _("L'entrée « %(entry)s » est ajoutée à la liste.")
                else:
                    entry = reference_update(kind=kind, entry=entry, data=form.service_data(), actor=request.user)
                    text = _("L'entrée « %(entry)s » est enregistrée.")
            except ValidationError as error:
                form_add_errors(form, error)
            else:
                messages.success(request, text % {"entry": entry})
                return redirect(_list_url(kind, entry.pk))
    elif kind.slug == TEMPLATES_SLUG:
        preview = _preview(request.user, entry.subject if entry else "", entry.body if entry else "")
    context = {
        "kind": kind,
        "entry": entry,
        "form": form,
        "preview": preview,
        "usages": usage_of(entry) if entry is not None else [],
    }
    return render(request, "administration/reference/form.html", context)


def reference_create_view(request, kind: str):
    return _form_page(request, kind_get(kind))


def reference_edit_view(request, kind: str, pk: int):
    kind, entry = _entry(kind, pk)
    return _form_page(request, kind, entry)


def _action(request, kind: ReferenceKind, entry, action, success: str, **kwargs):
    try:
        action(kind=kind, entry=entry, actor=request.user, **kwargs)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, success % {"entry": entry})
    return redirect(_list_url(kind, entry.pk))


@require_POST
def reference_move_up_view(request, kind: str, pk: int):
    kind, entry = _entry(kind, pk)
    return _action(request, kind, entry, reference_move, _("L'entrée « %(entry)s » est remontée."), offset=-1)


@require_POST
def reference_move_down_view(request, kind: str, pk: int):
    kind, entry = _entry(kind, pk)
    return _action(request, kind, entry, reference_move, _("L'entrée « %(entry)s » est descendue."), offset=1)


@require_POST
def reference_deactivate_view(request, kind: str, pk: int):
    kind, entry = _entry(kind, pk)
    text = _("L'entrée « %(entry)s » est désactivée : elle reste sur les demandes existantes mais n'est plus proposée.")
    return _action(request, kind, entry, reference_deactivate, text)


@require_POST
def reference_reactivate_view(request, kind: str, pk: int):
    kind, entry = _entry(kind, pk)
    return _action(request, kind, entry, reference_reactivate, _("L'entrée « %(entry)s » est réactivée."))


def reference_delete_view(request, kind: str, pk: int):
    """GET: what uses the entry, and the ways out (deactivate, merge); POST: delete if unused."""
    kind, entry = _entry(kind, pk)
    if request.method == "POST":
        try:
            reference_delete(kind=kind, entry=entry, actor=request.user)
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
            return redirect("administration:reference-delete", kind=kind.slug, pk=entry.pk)
        messages.success(request, _("L'entrée « %(entry)s » est supprimée.") % {"entry": entry})
        return redirect(_list_url(kind))
    usages = usage_of(entry)
    context = {
        "kind": kind,
        "entry": entry,
        "usages": usages,
        "refusal": in_use_message(entry, usages) if usages else "",
    }
    return render(request, "administration/reference/delete.html", context)


def reference_merge_view(request, kind: str, pk: int):
    """GET: choose the entry that takes over; POST: move every link to it, delete this one."""
    kind, entry = _entry(kind, pk)
    if not kind.mergeable:
        raise Http404
    form = MergeForm(request.POST if request.method == "POST" else None, source=entry)
    if request.method == "POST" and form.is_valid():
        target = form.cleaned_data["target"]
        try:
            moved = reference_merge(kind=kind, source=entry, target=target, actor=request.user)
        except ValidationError as error:
            form_add_errors(form, error)
        else:
            text = _("L'entrée « %(source)s » est fusionnée dans « %(target)s ».") % {"source": entry, "target": target}
            if moved:
                text += " " + _("Reporté : %(moved)s.") % {"moved": ", ".join(moved)}
            messages.success(request, text)
            return redirect(_list_url(kind, target.pk))
    context = {"kind": kind, "entry": entry, "form": form, "usages": usage_of(entry)}
    return render(request, "administration/reference/merge.html", context)


def reference_template_preview_view(request, pk: int):
    kind, template = _entry(TEMPLATES_SLUG, pk)
    context = {"kind": kind, "entry": template, "preview": _preview(request.user, template.subject, template.body)}
    return render(request, "administration/reference/preview.html", context)
