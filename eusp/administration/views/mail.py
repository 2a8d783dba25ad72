"""/administration/courriels/: the mail queue — pending, sent, failed with the error — and
« Renvoyer »."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from eusp.core.pagination import uncounted_page
from eusp.core.redirects import safe_next
from eusp.notifications.models import OutboxMessage
from eusp.notifications.outbox import ResendRefused, outbox_copy, outbox_resend, outbox_resend_failed
from eusp.notifications.selectors import outbox_list, outbox_waiting_counts

Status = OutboxMessage.Status


def mail_list_view(request):
    status = request.GET.get("etat", "")
    status = status if status in Status.values else ""
    kind = request.GET.get("type", "")
    kind = kind if kind in OutboxMessage.Kind.values else ""
    query = request.GET.get("q", "")[:254]
    context = {
        **uncounted_page(outbox_list(status=status, kind=kind, query=query), request),
        "status": status,
        "kind": kind,
        "query": query,
        "statuses": Status.choices,
        "kinds": OutboxMessage.Kind.choices,
        "counts": outbox_waiting_counts(),
    }
    return render(request, "administration/mail_list.html", context)


def mail_detail_view(request, pk: int):
    message = get_object_or_404(OutboxMessage.objects.select_related("service_request", "recipient"), pk=pk)
    return render(request, "administration/mail_detail.html", {"message": message})


@require_POST
def mail_resend_view(request, pk: int):
    message = get_object_or_404(OutboxMessage, pk=pk)
    try:
        if message.status == Status.SENT:
            outbox_copy(message)
            text = _("Une copie du courriel à %(to)s est partie en file d'envoi.")
        elif message.status == Status.CANCELLED:
            raise ResendRefused(_("Ce courriel est annulé : le compte de son destinataire est désactivé."))
        elif message.status == Status.SENDING:
            raise ResendRefused(_("Ce courriel est en cours d'envoi : attendez son résultat avant de le renvoyer."))
        else:
            outbox_resend(message)
            text = _("Le courriel à %(to)s est remis en file d'envoi.")
    except ResendRefused as refusal:
        messages.warning(request, str(refusal))
    else:
        messages.success(request, text % {"to": message.to})
    return _back(request, "administration:mail-detail", pk=pk)


@require_POST
def mail_resend_failed_view(request):
    count = outbox_resend_failed()
    if count:
        text = ngettext(
            "%(count)d courriel en échec remis en file d'envoi.",
            "%(count)d courriels en échec remis en file d'envoi.",
            count,
        )
        messages.success(request, text % {"count": count})
    else:
        messages.info(request, _("Aucun courriel en échec à renvoyer."))
    return _back(request, "administration:mail-list")


def _back(request, fallback: str, **kwargs):
    """Back to the page the button was on (its filters kept), never to another site."""
    target = safe_next(request, request.POST.get("next", ""))
    if target:
        return redirect(target)
    return redirect(fallback, **kwargs)
