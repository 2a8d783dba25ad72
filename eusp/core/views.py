from django.shortcuts import render

from eusp.casework.permissions import can_administer, can_create_request
from eusp.casework.selectors import dashboard_sections
from eusp.notifications.models import OutboxMessage


def dashboard_view(request):
    """/: what awaits the user, what is late, the latest requests they may see."""
    context = {
        "sections": dashboard_sections(user=request.user),
        "can_create": can_create_request(request.user),
        "saved_searches": list(request.user.saved_searches.all()),
    }
    if can_administer(request.user):
        # Mail that could not be delivered is the central service's to see and resend.
        context["failed_mail"] = OutboxMessage.objects.filter(status=OutboxMessage.Status.FAILED).count()
    return render(request, "core/dashboard.html", context)
