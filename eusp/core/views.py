from django.shortcuts import render

from eusp.casework.permissions import can_administer, can_create_request
from eusp.casework.selectors import dashboard_sections
from eusp.notifications.selectors import outbox_waiting_counts


def dashboard_view(request):
    """/: what awaits the user, what is late, the latest requests they may see."""
    context = {
        "sections": dashboard_sections(user=request.user),
        "can_create": can_create_request(request.user),
        "saved_searches": list(request.user.saved_searches.all()),
    }
    if can_administer(request.user):
        # Mail that could not be delivered is the central service's to see and resend.
        context["failed_mail"] = outbox_waiting_counts()["failed"]
    return render(request, "core/dashboard.html", context)
