"""The follow-up sheet and its in-place actions.

Each action is a POST to ``/demandes/<reference>/<action>/``: without JavaScript it
redirects back to the sheet (or shows the sheet with the form's errors); with htmx
it answers the sheet's partial, which replaces the page's sheet in place.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from eusp.core.forms import form_add_errors
from eusp.directory.models import ACTIVE_PHASES, FINISHED_PHASES

from .. import action_forms as f
from .. import services
from ..models import ServiceRequest
from ..permissions import Action, can, request_get_visible, visible_requests
from ..selectors import request_detail_queryset, request_timeline
from .answers import answers_panel_context
from .attachments import attachments_panel_context


@dataclass(frozen=True)
class SheetAction:
    form: type[f.ActionForm]
    action: Action
    applies: Callable[[ServiceRequest], bool]
    perform: Callable
    done: str


def _live(sr: ServiceRequest) -> bool:
    return not sr.is_archived and sr.state.phase in ACTIVE_PHASES


def _duplicate(sr, user, data):
    reference = data["original"].strip()
    try:
        original = visible_requests(user).get(reference=reference)
    except ServiceRequest.DoesNotExist:
        raise ValidationError({"original": _("Aucune demande %(ref)s.") % {"ref": reference}}) from None
    services.request_mark_duplicate(sr=sr, original=original, actor=user)


ACTIONS: dict[str, SheetAction] = {
    "etat": SheetAction(
        f.StateForm,
        Action.CHANGE_STATE,
        lambda sr: not sr.is_archived,
        lambda sr, user, d: services.request_change_state(
            sr=sr, actor=user, state=d["state"], note=d["note"], reason=d["reason"]
        ),
        gettext_lazy("L'état de la demande a été changé."),
    ),
    "cloture": SheetAction(
        f.CloseForm,
        Action.CHANGE_STATE,
        _live,
        lambda sr, user, d: services.request_close(sr=sr, actor=user, done=d["outcome"] == "done", reason=d["reason"]),
        gettext_lazy("La demande a été close."),
    ),
    "instruction": SheetAction(
        f.InstructionForm,
        Action.INSTRUCT,
        _live,
        lambda sr, user, d: services.request_instruct(sr=sr, actor=user, **d),
        gettext_lazy("L'instruction a été enregistrée."),
    ),
    "execution": SheetAction(
        f.ExecutionForm,
        Action.EXECUTE,
        _live,
        lambda sr, user, d: services.request_record_execution(sr=sr, actor=user, **d),
        gettext_lazy("Le suivi de l'exécution a été enregistré."),
    ),
    "commentaire": SheetAction(
        f.CommentForm,
        Action.COMMENT,
        lambda sr: not sr.is_archived,
        lambda sr, user, d: services.request_comment(sr=sr, actor=user, **d),
        gettext_lazy("Le commentaire a été ajouté."),
    ),
    "relance": SheetAction(
        f.ReminderForm,
        Action.REMIND,
        lambda sr: _live(sr) and bool(sr.instructing_service_id or sr.executing_service_id),
        lambda sr, user, d: services.request_remind(sr=sr, actor=user, **d),
        gettext_lazy("La relance a été enregistrée."),
    ),
    "doublon": SheetAction(
        f.DuplicateForm,
        Action.EDIT,
        lambda sr: not sr.is_archived and sr.duplicate_of_id is None,
        _duplicate,
        gettext_lazy("La demande a été marquée comme doublon et classée."),
    ),
    "archivage": SheetAction(
        f.ArchiveForm,
        Action.ARCHIVE,
        lambda sr: not sr.is_archived and sr.state.phase in FINISHED_PHASES,
        lambda sr, user, d: services.request_archive(sr=sr, actor=user),
        gettext_lazy("La demande a été archivée."),
    ),
    "reactivation": SheetAction(
        f.ReactivateForm,
        Action.ARCHIVE,
        lambda sr: sr.is_archived,
        lambda sr, user, d: services.request_reactivate(sr=sr, actor=user, note=d["note"]),
        gettext_lazy("La demande a été réactivée."),
    ),
}


# Occasional actions start folded so the everyday ones stand out; a refused one opens.
FOLDED = {"etat", "relance", "doublon"}


def sheet_forms(user, sr: ServiceRequest, bound: dict | None = None) -> dict[str, f.ActionForm]:
    """The action forms this user may use on this request now, keyed by action slug."""
    forms = {
        slug: spec.form(sr=sr, user=user)
        for slug, spec in ACTIONS.items()
        if spec.applies(sr) and can(user, spec.action, sr)
    }
    # A refused form stays on the page with its errors, even if the action no longer applies.
    return {**forms, **(bound or {})}


def render_sheet(request, sr: ServiceRequest, bound: dict | None = None, status: int = 200):
    context = {
        "sr": sr,
        "events": request_timeline(user=request.user, sr=sr),
        "forms": [
            {"slug": slug, "form": form, "open": slug not in FOLDED or form.is_bound}
            for slug, form in sheet_forms(request.user, sr, bound).items()
        ],
        "can_edit": can(request.user, Action.EDIT, sr) and not sr.is_archived,
        "can_view_internal": can(request.user, Action.VIEW_INTERNAL, sr),
        "reminders": services.reminders_per_service(sr) if can(request.user, Action.VIEW_INTERNAL, sr) else [],
        "duplicates": list(sr.duplicates.only("reference", "subject")),
        **answers_panel_context(request.user, sr),
        **attachments_panel_context(request.user, sr),
    }
    template = "casework/request_detail.html#sheet" if request.htmx else "casework/request_detail.html"
    response = render(request, template, context, status=status)
    patch_vary_headers(response, ["HX-Request"])
    return response


def request_detail_view(request, reference):
    """/demandes/<reference>/: the follow-up sheet (summary, actions, timeline)."""
    sr = request_get_visible(request.user, reference, request_detail_queryset())
    return render_sheet(request, sr)


def request_action_view(request, reference, action):
    """POST one action of the sheet; the service decides, the sheet shows the outcome."""
    spec = ACTIONS.get(action)
    if spec is None or request.method != "POST":
        raise Http404
    sr = request_get_visible(request.user, reference, request_detail_queryset())
    if not can(request.user, spec.action, sr):
        raise PermissionDenied
    form = spec.form(request.POST, sr=sr, user=request.user)
    if form.is_valid():
        try:
            spec.perform(sr, request.user, form.cleaned_data)
        except ValidationError as error:
            form_add_errors(form, error)
        else:
            messages.success(request, spec.done)
            if not request.htmx:
                return redirect(sr)
            fresh = request_get_visible(request.user, reference, request_detail_queryset())
            return render_sheet(request, fresh)
    if not spec.applies(sr):
        form.add_error(None, _("Cette action n'est pas possible dans l'état actuel de la demande."))
    # Errors are shown on the sheet itself, next to the form that caused them.
    return render_sheet(request, sr, bound={action: form}, status=200 if request.htmx else 400)
