"""The central service edits a request: any field, the assignments, the priority.

One save may touch several kinds of field; the timeline gets one event per kind
(edit, assignment, state) so it reads like what happened.
"""

from django.db import transaction

from eusp.accounts.models import User

from ..events import event_record, field_changes
from ..field_groups import ASSIGNMENT_FIELDS, EDITABLE_FIELDS
from ..models import EventKind, ServiceRequest
from ..notify import alert_request
from ..permissions import Action
from .common import authorize, refuse_deactivated, request_bump, request_lock
from .workflow import state_apply

ROLE_OF = {"instructing_service": "instructing", "executing_service": "executing", "referent_official": "referent"}


def _snapshot(sr: ServiceRequest, names) -> dict:
    return {name: getattr(sr, name) for name in names}


def _labels(names) -> dict[str, str]:
    return {name: str(ServiceRequest._meta.get_field(name).verbose_name) for name in names}


@transaction.atomic
def request_update(
    *, sr: ServiceRequest, actor: User, data: dict, expected_version: int | None, note: str = ""
) -> ServiceRequest:
    """Apply ``data`` (field → new value) and record what changed, before → after.

    ``expected_version`` is the version the user's form was built from: if someone
    saved in between, ``StaleEditError`` refuses the save instead of overwriting.
    """
    authorize(actor, Action.EDIT, sr)
    current = request_lock(sr, expected_version)
    unknown = set(data) - set(EDITABLE_FIELDS) - {"state"}
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    new_state = data.get("state")
    fields = [name for name in EDITABLE_FIELDS if name in data]
    before = _snapshot(current, fields)
    for name in fields:
        setattr(current, name, data[name])
    current.full_clean(exclude=["reference", "year", "number", "state", "created_by"])
    after = _snapshot(current, fields)
    changed = [name for name in fields if before[name] != after[name]]
    refuse_deactivated(current, changed)
    if changed:
        request_bump(current, changed)
        assigned = [n for n in changed if n in ASSIGNMENT_FIELDS]
        edited = [n for n in changed if n not in ASSIGNMENT_FIELDS]
        if edited:
            event_record(
                current,
                kind=EventKind.EDITED,
                actor=actor,
                note=note,
                changes=field_changes(_pick(before, edited), _pick(after, edited), _labels(edited)),
            )
        if assigned:
            event_record(
                current,
                kind=EventKind.ASSIGNED,
                actor=actor,
                # The note goes on the first event of the save: here if nothing else was edited.
                note="" if edited else note,
                changes=field_changes(_pick(before, assigned), _pick(after, assigned), _labels(assigned)),
            )
            # Whoever the request now goes to is invited to log in (written with the event).
            alert_request(current, roles={ROLE_OF[name] for name in assigned}, is_new=False, actor=actor)
    if new_state is not None and new_state != current.state:
        state_apply(current, actor=actor, state=new_state, note="" if changed else note)
    return current


def _pick(values: dict, names: list[str]) -> dict:
    return {name: values[name] for name in names}


@transaction.atomic
def request_assign(
    *,
    sr: ServiceRequest,
    actor: User,
    expected_version: int | None = None,
    **assignments,
) -> ServiceRequest:
    """(Re)assign the élu référent and the services; an ASSIGNED event says who was replaced."""
    if set(assignments) - set(ASSIGNMENT_FIELDS):
        raise ValueError("only assignment fields")
    authorize(actor, Action.ASSIGN, sr)
    return request_update(sr=sr, actor=actor, data=assignments, expected_version=expected_version)
