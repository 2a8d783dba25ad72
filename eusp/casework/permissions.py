"""Who may see and do what with requests — the one policy every entry point uses.

Two questions, one rule: ``visible_requests(user)`` (which requests, as a
queryset, for lists, search, exports, statistics and the API) and
``can(user, action, sr)`` (may this user do this to this request). Detail views
fetch through ``request_get_visible`` so a forbidden request is a 404 exactly
like a missing one.
"""

from enum import StrEnum

from django.db.models import Q, QuerySet
from django.http import Http404

from eusp.accounts.models import Profile, User

from .models import ServiceRequest


class Action(StrEnum):
    VIEW = "view"
    EDIT = "edit"
    ASSIGN = "assign"
    CHANGE_STATE = "change_state"
    INSTRUCT = "instruct"
    EXECUTE = "execute"
    COMMENT = "comment"
    ANSWER = "answer"
    REMIND = "remind"
    ARCHIVE = "archive"
    ATTACH = "attach"
    VIEW_INTERNAL = "view_internal"


CENTRAL_ONLY = {Action.EDIT, Action.ASSIGN, Action.CHANGE_STATE, Action.ANSWER, Action.REMIND, Action.ARCHIVE}
AGENT_ACTIONS = {Action.VIEW, Action.INSTRUCT, Action.EXECUTE, Action.COMMENT, Action.ATTACH, Action.VIEW_INTERNAL}
ELECTED_ACTIONS = {Action.VIEW, Action.COMMENT, Action.ATTACH}
READ_ACTIONS = {Action.VIEW, Action.VIEW_INTERNAL}


def _visibility_filter(user: User) -> Q | None:
    """The rows a user may see; None means all of them."""
    if user.profile == Profile.CENTRAL:
        return None
    if user.profile == Profile.ELECTED:
        return Q(created_by=user) | Q(referent_official=user)
    if user.profile == Profile.AGENT and user.service_ids:
        ids = list(user.service_ids)
        return Q(instructing_service__in=ids) | Q(executing_service__in=ids)
    return Q(pk__in=[])


def visible_requests(user: User, queryset: QuerySet | None = None) -> QuerySet:
    qs = ServiceRequest.objects.all() if queryset is None else queryset
    if not (user.is_authenticated and user.is_active):
        return qs.none()
    condition = _visibility_filter(user)
    return qs if condition is None else qs.filter(condition)


def is_visible(user: User, sr: ServiceRequest) -> bool:
    """Same rule as ``visible_requests``, answered from an already loaded row."""
    if not (user.is_authenticated and user.is_active):
        return False
    if user.profile == Profile.CENTRAL:
        return True
    if user.profile == Profile.ELECTED:
        return user.pk in (sr.created_by_id, sr.referent_official_id)
    if user.profile == Profile.AGENT:
        return bool({sr.instructing_service_id, sr.executing_service_id} & user.service_ids)
    return False


def can(user: User, action: Action, sr: ServiceRequest) -> bool:
    if not is_visible(user, sr):
        return False
    if user.profile == Profile.CENTRAL:
        return True
    # An archived request is read-only for everyone but the central service.
    if sr.is_archived and action not in READ_ACTIONS:
        return False
    if user.profile == Profile.AGENT:
        if action == Action.INSTRUCT:
            return sr.instructing_service_id in user.service_ids
        if action == Action.EXECUTE:
            return sr.executing_service_id in user.service_ids
        return action in AGENT_ACTIONS
    if user.profile == Profile.ELECTED:
        return action in ELECTED_ACTIONS
    return False


def can_create_request(user: User) -> bool:
    return user.is_authenticated and user.is_active and user.profile in (Profile.CENTRAL, Profile.ELECTED)


def can_export_personal_data(user: User) -> bool:
    """Requester identity and contact details leave the application in bulk (exports) only
    for the central service, which answers the citizens: an élu or an agent reads them on
    one request's sheet, never as a file of many (data minimisation)."""
    return user.is_authenticated and user.is_active and user.profile == Profile.CENTRAL


def can_see_all_requests(user: User) -> bool:
    return user.is_authenticated and user.is_active and user.profile == Profile.CENTRAL


def can_administer(user: User) -> bool:
    """/administration/ (users, reference data, settings, the mail queue): the central service."""
    return user.is_authenticated and user.is_active and user.profile == Profile.CENTRAL


def request_get_visible(user: User, reference: str, queryset: QuerySet | None = None) -> ServiceRequest:
    """The request with this reference if the user may see it; 404 otherwise (no hint it exists)."""
    try:
        return visible_requests(user, queryset).get(reference=reference)
    except ServiceRequest.DoesNotExist:
        raise Http404 from None
