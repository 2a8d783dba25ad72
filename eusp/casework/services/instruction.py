"""What services write on a request: instruction (feasibility, delay, cost),
execution (progress, work done), and everyone's comments."""

from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from eusp.accounts.models import User
from eusp.core.working_days import add_working_days
from eusp.directory.models import ACTIVE_PHASES, Phase

from ..events import event_record, field_changes
from ..models import EventKind, Feasibility, ServiceRequest
from ..permissions import Action, can
from .common import authorize, refuse, request_bump, request_lock
from .workflow import state_apply, state_first

# Ten years of working days, the horizon of a multi-year budget; the same on every database.
MAX_DELAY_DAYS = 2500

INSTRUCTION_FIELDS = (
    "feasibility",
    "expected_delay_days",
    "due_on",
    "estimated_cost",
    "multi_year_budget",
    "budget_year",
)


def _clean(name: str, value, sr: ServiceRequest):
    """Hold a number to its column's limits (digits, range): refused, not a database error."""
    if value is None:
        return None
    try:
        return ServiceRequest._meta.get_field(name).clean(value, sr)
    except ValidationError as error:
        raise ValidationError({name: error.messages}) from None


def _refuse_if_finished(sr: ServiceRequest) -> None:
    if sr.state.phase not in ACTIVE_PHASES:
        refuse(_("La demande est close : elle ne peut plus être instruite ni exécutée."))


@transaction.atomic
def request_instruct(
    *,
    sr: ServiceRequest,
    actor: User,
    feasibility: str,
    expected_delay_days: int | None = None,
    due_on: date | None = None,
    estimated_cost: Decimal | None = None,
    multi_year_budget: bool = False,
    budget_year: int | None = None,
    note: str = "",
    is_internal: bool = False,
) -> ServiceRequest:
    """The instructing service's opinion. A delay in days counts working days from today."""
    authorize(actor, Action.INSTRUCT, sr)
    current = request_lock(sr)
    _refuse_if_finished(current)
    today = timezone.localdate()
    if feasibility not in Feasibility.values:
        refuse(_("Indiquez la faisabilité."), "feasibility")
    expected_delay_days = _clean("expected_delay_days", expected_delay_days, current)
    if expected_delay_days is not None and expected_delay_days > MAX_DELAY_DAYS:
        refuse(
            _("Le délai ne peut pas dépasser %(days)s jours ouvrés.") % {"days": MAX_DELAY_DAYS}, "expected_delay_days"
        )
    estimated_cost = _clean("estimated_cost", estimated_cost, current)
    if due_on is not None and due_on < today:
        refuse(_("L'échéance ne peut pas être dans le passé."), "due_on")
    if multi_year_budget and not budget_year:
        refuse(_("Indiquez l'année budgétaire visée pour un budget pluriannuel."), "budget_year")
    if budget_year is not None and not (today.year <= budget_year <= today.year + 10):
        refuse(_("L'année budgétaire doit être comprise entre cette année et dix ans plus tard."), "budget_year")
    if estimated_cost is not None and estimated_cost < 0:
        refuse(_("Le coût estimé ne peut pas être négatif."), "estimated_cost")
    if due_on is None and expected_delay_days:
        due_on = add_working_days(today, expected_delay_days)
    values = {
        "feasibility": feasibility,
        "expected_delay_days": expected_delay_days,
        "due_on": due_on,
        "estimated_cost": estimated_cost,
        "multi_year_budget": multi_year_budget,
        "budget_year": budget_year if multi_year_budget else None,
    }
    before = {name: getattr(current, name) for name in INSTRUCTION_FIELDS}
    for name, value in values.items():
        setattr(current, name, value)
    request_bump(current, list(INSTRUCTION_FIELDS))
    labels = {name: str(ServiceRequest._meta.get_field(name).verbose_name) for name in INSTRUCTION_FIELDS}
    shown = {**values, "feasibility": Feasibility(feasibility).label}
    shown_before = {**before, "feasibility": Feasibility(before["feasibility"]).label if before["feasibility"] else ""}
    event = event_record(
        current,
        kind=EventKind.INSTRUCTION,
        actor=actor,
        note=note,
        is_internal=is_internal,
        changes=field_changes(shown_before, shown, labels),
    )
    if current.first_instructed_on is None:  # a later instruction (a revised delay) does not move it
        current.first_instructed_on = timezone.localdate(event.created_at)
        current.save(update_fields=["first_instructed_on"])
    # A request the service has taken up is no longer « nouvelle ».
    if current.state.phase == Phase.OPEN and feasibility != Feasibility.NOT_FEASIBLE:
        state_apply(current, actor=actor, state=state_first(Phase.IN_PROGRESS))
    return current


@transaction.atomic
def request_record_execution(
    *,
    sr: ServiceRequest,
    actor: User,
    note: str,
    is_done: bool = False,
    done_on: date | None = None,
    is_internal: bool = False,
) -> ServiceRequest:
    """A progress note from the executing service, or the work done (« réalisé »)."""
    authorize(actor, Action.EXECUTE, sr)
    current = request_lock(sr)
    _refuse_if_finished(current)
    note = note.strip()
    if not note and not is_done:
        refuse(_("Décrivez l'avancement des travaux."), "note")
    if done_on is not None and done_on > timezone.localdate():
        refuse(_("La date de réalisation ne peut pas être dans le futur."), "done_on")
    if done_on is not None and done_on < current.received_on:
        refuse(_("La date de réalisation ne peut pas précéder la réception de la demande."), "done_on")
    changes = {}
    if is_done:
        done_on = done_on or timezone.localdate()
        label = str(ServiceRequest._meta.get_field("done_on").verbose_name)
        changes["done_on"] = {"label": label, "before": "", "after": done_on.isoformat()}
        current.done_on = done_on
        request_bump(current, ["done_on"])
    event_record(current, kind=EventKind.EXECUTION, actor=actor, note=note, is_internal=is_internal, changes=changes)
    if is_done:
        # The central service now finds it under « à répondre » on its dashboard.
        state_apply(current, actor=actor, state=state_first(Phase.DONE))
    return current


@transaction.atomic
def request_comment(*, sr: ServiceRequest, actor: User, note: str, is_internal: bool = False) -> None:
    """A comment on the timeline; only those who read internal entries may write one."""
    authorize(actor, Action.COMMENT, sr)
    note = note.strip()
    if not note:
        refuse(_("Le commentaire est vide."), "note")
    if is_internal and not can(actor, Action.VIEW_INTERNAL, sr):
        refuse(_("Vous ne pouvez pas écrire de commentaire interne."), "is_internal")
    event_record(sr, kind=EventKind.COMMENT, actor=actor, note=note, is_internal=is_internal)
