"""A request's states: change, close, archive, reactivate, mark as duplicate.

Cities name their own states; the rules below only look at the fixed phase
underneath (open, in progress, waiting, done, closed without action).
"""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from eusp.accounts.models import User
from eusp.directory.models import ACTIVE_PHASES, FINISHED_PHASES, Phase, State

from ..events import event_record
from ..models import EventKind, ServiceRequest
from ..permissions import Action
from .common import authorize, refuse, request_bump, request_lock


def state_first(phase: Phase) -> State:
    """The first active state of a phase, in the city's order (e.g. « Réalisée » for done)."""
    state = State.objects.filter(phase=phase, is_active=True).order_by("position", "pk").first()
    if state is None:
        refuse(_("Aucun état actif n'existe pour la phase « %(phase)s ».") % {"phase": Phase(phase).label})
    return state


def state_initial() -> State:
    """The state of new and reactivated requests: the one marked initial, else the first open one."""
    return State.objects.filter(is_initial=True, is_active=True).first() or state_first(Phase.OPEN)


def state_apply(sr: ServiceRequest, *, actor: User | None, state: State, note: str = "", reason: str = "") -> None:
    """Move a locked request to ``state``, keeping the closing dates right. No access check:
    callers (services of this package) have done it."""
    reason = reason.strip()
    if sr.is_archived:
        refuse(_("Une demande archivée ne change pas d'état : réactivez-la d'abord."), "state")
    if state.pk == sr.state_id:
        refuse(_("La demande est déjà dans l'état « %(state)s ».") % {"state": state}, "state")
    if not state.is_active:
        refuse(_("L'état « %(state)s » n'est plus utilisé.") % {"state": state}, "state")
    if state.phase == Phase.CLOSED and not (reason or sr.closing_reason):
        refuse(_("Indiquez le motif du classement sans suite."), "reason")
    previous = sr.state
    fields = ["state"]
    sr.state = state
    if state.phase in FINISHED_PHASES and sr.closed_at is None:
        sr.closed_at = timezone.now()
        fields.append("closed_at")
    elif state.phase in ACTIVE_PHASES and sr.closed_at is not None:
        # Reopened: the work is no longer done and the closing reason no longer holds
        # (the timeline keeps both).
        sr.closed_at, sr.done_on, sr.closing_reason = None, None, ""
        fields += ["closed_at", "done_on", "closing_reason"]
    if state.phase == Phase.DONE and sr.done_on is None:
        sr.done_on = timezone.localdate()
        fields.append("done_on")
    if reason and state.phase in FINISHED_PHASES:
        sr.closing_reason = reason
        fields.append("closing_reason")
    request_bump(sr, fields)
    label = str(ServiceRequest._meta.get_field("state").verbose_name)
    event_record(
        sr,
        kind=EventKind.CLOSED if state.phase in FINISHED_PHASES else EventKind.STATE_CHANGED,
        actor=actor,
        note=reason or note,
        changes={"state": {"label": label, "before": str(previous), "after": str(state)}},
    )


@transaction.atomic
def request_change_state(
    *, sr: ServiceRequest, actor: User, state: State, note: str = "", reason: str = "", expected_version=None
) -> ServiceRequest:
    authorize(actor, Action.CHANGE_STATE, sr)
    current = request_lock(sr, expected_version)
    state_apply(current, actor=actor, state=state, note=note, reason=reason)
    return current


@transaction.atomic
def request_close(
    *, sr: ServiceRequest, actor: User, done: bool, reason: str = "", expected_version=None
) -> ServiceRequest:
    """Close as done (« réalisée ») or without action (« sans suite », reason required)."""
    authorize(actor, Action.CHANGE_STATE, sr)
    current = request_lock(sr, expected_version)
    if current.state.phase in FINISHED_PHASES:
        refuse(_("La demande est déjà close."))
    state = state_first(Phase.DONE if done else Phase.CLOSED)
    state_apply(current, actor=actor, state=state, reason=reason.strip())
    return current


@transaction.atomic
def request_archive(*, sr: ServiceRequest, actor: User, expected_version=None) -> ServiceRequest:
    authorize(actor, Action.ARCHIVE, sr)
    current = request_lock(sr, expected_version)
    if current.is_archived:
        refuse(_("La demande est déjà archivée."))
    if current.state.phase not in FINISHED_PHASES:
        refuse(_("Seule une demande close (réalisée ou sans suite) peut être archivée."))
    current.is_archived = True
    current.archived_at = timezone.now()
    request_bump(current, ["is_archived", "archived_at"])
    event_record(current, kind=EventKind.ARCHIVED, actor=actor)
    return current


@transaction.atomic
def request_reactivate(
    *, sr: ServiceRequest, actor: User, note: str = "", state: State | None = None, expected_version=None
) -> ServiceRequest:
    """Bring an archived request back: not archived, in an open state, reopened."""
    authorize(actor, Action.ARCHIVE, sr)
    current = request_lock(sr, expected_version)
    if not current.is_archived:
        refuse(_("Seule une demande archivée peut être réactivée."))
    state = state or state_initial()
    if state.phase not in ACTIVE_PHASES:
        refuse(_("Une demande réactivée reprend dans un état ouvert."), "state")
    if not state.is_active:
        refuse(_("L'état « %(state)s » n'est plus utilisé.") % {"state": state}, "state")
    previous = current.state
    current.is_archived, current.archived_at, current.closed_at = False, None, None
    current.done_on, current.closing_reason = None, ""
    current.state = state
    request_bump(current, ["is_archived", "archived_at", "closed_at", "done_on", "closing_reason", "state"])
    label = str(ServiceRequest._meta.get_field("state").verbose_name)
    event_record(
        current,
        kind=EventKind.REACTIVATED,
        actor=actor,
        note=note,
        changes={"state": {"label": label, "before": str(previous), "after": str(state)}},
    )
    return current


@transaction.atomic
def request_mark_duplicate(*, sr: ServiceRequest, original: ServiceRequest, actor: User) -> ServiceRequest:
    """Link a duplicate to its original (both timelines say so) and close it without action."""
    authorize(actor, Action.EDIT, sr)
    authorize(actor, Action.VIEW, original)
    current = request_lock(sr)
    original = original.duplicate_of or original  # always point at the first request
    if original.pk == current.pk:
        refuse(_("Une demande ne peut pas être le doublon d'elle-même."), "original")
    if current.duplicate_of_id:
        refuse(_("Cette demande est déjà marquée comme doublon."), "original")
    if current.duplicates.exists():
        refuse(_("D'autres demandes sont des doublons de celle-ci : elle ne peut pas devenir un doublon."), "original")
    current.duplicate_of = original
    request_bump(current, ["duplicate_of"])
    event_record(current, kind=EventKind.DUPLICATE, actor=actor, note=_("Doublon de %(ref)s") % {"ref": original})
    event_record(original, kind=EventKind.DUPLICATE, actor=actor, note=_("Doublon : %(ref)s") % {"ref": current})
    if current.state.phase not in FINISHED_PHASES:
        reason = _("Doublon de la demande %(reference)s.") % {"reference": original.reference}
        state_apply(current, actor=actor, state=state_first(Phase.CLOSED), reason=reason)
    return current
