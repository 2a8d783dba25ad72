"""Reads on requests. Selectors own their joins so no template queries per row."""

from datetime import date

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from eusp.accounts.models import Profile, User
from eusp.directory.models import ACTIVE_PHASES, Phase, State

from .models import Answer, RequestEvent, ServiceRequest
from .permissions import Action, can, visible_requests
from .search.text import reference_in
from .services.attachments import attachments_prefetch

# What a list row shows. Few joins on purpose: at a million rows, planning a nine-table
# join costs more than running it; the sheet takes the rest (DETAIL_RELATED).
LIST_RELATED = ("state", "district", "category", "instructing_service", "referent_official")
DETAIL_RELATED = (*LIST_RELATED, "origin", "priority", "executing_service", "created_by", "duplicate_of")


def request_list(*, user: User, archived: bool | None = False) -> QuerySet[ServiceRequest]:
    """Requests the user may see — live ones, the archives, or both (``archived=None``) —
    newest first, with what a row shows."""
    qs = visible_requests(user) if archived is None else visible_requests(user).filter(is_archived=archived)
    return qs.select_related(*LIST_RELATED).order_by("-created_at", "-pk")


def request_typed_reference(user: User, query: str) -> ServiceRequest | None:
    """The request a search names by its reference (« 2026-00042 », or « 42 » for this
    year), if the user may see it; None otherwise, with no hint that it exists."""
    reference = reference_in(query)
    if reference is None:
        return None
    return visible_requests(user).filter(reference=reference).select_related(*LIST_RELATED).first()


def requests_in_order(ids: list[int]) -> list[ServiceRequest]:
    """The rows of these requests, with what a list row shows, in the order of ``ids``."""
    by_id = ServiceRequest.objects.select_related(*LIST_RELATED).in_bulk(ids)
    return [by_id[pk] for pk in ids if pk in by_id]


def request_detail_queryset() -> QuerySet[ServiceRequest]:
    return ServiceRequest.objects.select_related(*DETAIL_RELATED)


def request_timeline(*, user: User, sr: ServiceRequest) -> QuerySet[RequestEvent]:
    events = (
        sr.events.select_related("actor").prefetch_related(attachments_prefetch(user, sr)).order_by("created_at", "pk")
    )
    if not can(user, Action.VIEW_INTERNAL, sr):
        events = events.filter(is_internal=False)
    return events


def in_phases(*phases: str) -> Q:
    """Requests whose state is in these phases, as a list of state ids: PostgreSQL estimates
    « state_id IN (…) » from its statistics, where a join on the phase misleads it into
    reading half the table (a few states hold most requests)."""
    return Q(state__in=list(State.objects.filter(phase__in=phases).values_list("pk", flat=True)))


def overdue_filter(today: date | None = None) -> Q:
    return Q(due_on__lt=today or timezone.localdate()) & in_phases(*ACTIVE_PHASES)


def capped_count_by_phase(qs: QuerySet, cap: int) -> tuple[int, bool, dict[str, int]]:
    """The count of ``qs`` up to ``cap`` (and whether it goes beyond), with the count per
    phase when it does not: one narrow read of at most ``cap`` + 1 state ids."""
    state_ids = list(qs.order_by().values_list("state_id", flat=True)[: cap + 1])
    if len(state_ids) > cap:
        return cap, True, {}
    phases = dict(State.objects.values_list("pk", "phase"))
    counts: dict[str, int] = {}
    for state_id in state_ids:
        counts[phases[state_id]] = counts.get(phases[state_id], 0) + 1
    return len(state_ids), False, counts


DASHBOARD_COUNT_CAP = 1000


def capped_count(qs: QuerySet, cap: int | None = None) -> tuple[int, bool]:
    """Count up to ``cap`` rows: exact for a working list, cheap on a million-row table.

    Returns the count and whether the cap was reached ("plus de 1 000").
    """
    cap = cap or DASHBOARD_COUNT_CAP
    count = qs.order_by()[: cap + 1].count()
    return min(count, cap), count > cap


def _section(key: str, title: str, qs: QuerySet | None, rows: QuerySet, limit: int) -> dict:
    count, more = capped_count(qs) if qs is not None else (None, False)
    return {"key": key, "title": title, "count": count, "more": more, "rows": list(rows[:limit])}


def dashboard_sections(*, user: User, limit: int = 10) -> list[dict]:
    """The dashboard's blocks for this profile: what awaits me, what is late, the latest."""
    live = request_list(user=user)
    late = live.filter(overdue_filter()).order_by("due_on", "pk")
    if user.profile == Profile.CENTRAL:
        awaiting_title = _("Nouvelles demandes à traiter")
        awaiting = live.filter(in_phases(Phase.OPEN))
    elif user.profile == Profile.AGENT:
        ids = list(user.service_ids)
        awaiting_title = _("Demandes à instruire ou à exécuter par mes services")
        awaiting = live.filter(
            Q(instructing_service__in=ids, feasibility="")
            | (Q(executing_service__in=ids) & in_phases(Phase.IN_PROGRESS)),
            in_phases(*ACTIVE_PHASES),
        )
    else:
        awaiting_title = _("Mes demandes en cours")
        awaiting = live.filter(in_phases(*ACTIVE_PHASES))
    sections = [
        _section("awaiting", awaiting_title, awaiting, awaiting, limit),
        _section("late", _("Demandes en retard"), late, late, limit),
    ]
    if user.profile == Profile.CENTRAL:
        # Work done by the services, the citizen not yet answered.
        to_answer = live.filter(
            ~Exists(Answer.objects.filter(service_request=OuterRef("pk"))),
            in_phases(Phase.DONE),
            done_on__isnull=False,  # always true when done; lets the partial index serve
        ).order_by("-done_on", "-pk")
        sections.append(_section("to_answer", _("Demandes réalisées, réponse à faire"), to_answer, to_answer, limit))
    sections.append(_section("latest", _("Dernières demandes"), None, live, limit))
    return sections
