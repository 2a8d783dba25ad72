"""Reading the outbox for the central service's mail page."""

import re

from django.db.models import Count, QuerySet

from .models import OutboxMessage

REFERENCE = re.compile(r"^\d{4}-\d{5}$")


def outbox_list(*, status: str = "", kind: str = "", query: str = "") -> QuerySet:
    """Newest first; ``query`` is an address or a request reference (exact, so it stays cheap)."""
    messages = OutboxMessage.objects.select_related("service_request").order_by("-created_at", "-pk")
    if status:
        messages = messages.filter(status=status)
    if kind:
        messages = messages.filter(kind=kind)
    query = query.strip()
    if REFERENCE.match(query):
        messages = messages.filter(service_request__reference=query)
    elif query:
        messages = messages.filter(to__iexact=query)
    return messages.defer("body_text", "body_html")


def outbox_waiting_counts() -> dict[str, int]:
    """How much is waiting or failed; sent mail (most of the table) is not counted."""
    waiting = [OutboxMessage.Status.PENDING, OutboxMessage.Status.SENDING, OutboxMessage.Status.FAILED]
    rows = OutboxMessage.objects.filter(status__in=waiting).values("status").annotate(n=Count("pk")).order_by()
    counts = {row["status"]: row["n"] for row in rows}
    return {status: counts.get(status, 0) for status in waiting}
