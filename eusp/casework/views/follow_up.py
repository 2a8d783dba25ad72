from django.shortcuts import render

from ..permissions import Action, can, request_get_visible
from ..selectors import request_detail_queryset, request_timeline


def request_detail_view(request, reference):
    """/demandes/<reference>/: the follow-up sheet (summary and timeline)."""
    sr = request_get_visible(request.user, reference, request_detail_queryset())
    context = {
        "sr": sr,
        "events": request_timeline(user=request.user, sr=sr),
        "can_edit": can(request.user, Action.EDIT, sr),
    }
    return render(request, "casework/request_detail.html", context)
