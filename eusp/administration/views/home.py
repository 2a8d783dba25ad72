from django.shortcuts import render

from eusp.notifications.selectors import outbox_waiting_counts


def home_view(request):
    """/administration/: the central service's entry to what it administers."""
    return render(request, "administration/home.html", {"mail_counts": outbox_waiting_counts()})
