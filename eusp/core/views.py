from django.shortcuts import render

from eusp.casework.permissions import can_create_request
from eusp.casework.selectors import dashboard_sections


def dashboard_view(request):
    """/: what awaits the user, what is late, the latest requests they may see."""
    context = {"sections": dashboard_sections(user=request.user), "can_create": can_create_request(request.user)}
    return render(request, "core/dashboard.html", context)
