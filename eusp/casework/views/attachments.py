import logging

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadhandler import FileUploadHandler, SkipFile
from django.http import FileResponse, Http404
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_POST, require_safe

from eusp.accounts.models import User
from eusp.core.city_settings import city_settings

from ..models import ServiceRequest
from ..permissions import Action, can, request_get_visible
from ..selectors import request_detail_queryset
from ..services.attachments import (
    ALLOWED_TYPES,
    UPLOAD_ACCEPT,
    UPLOAD_FORMATS,
    attachment_add,
    attachment_get_visible,
    attachment_too_large_error,
    attachments_visible,
    megabytes,
)

logger = logging.getLogger(__name__)


def attachments_panel_context(user: User, sr: ServiceRequest) -> dict:
    """What ``casework/includes/_attachments.html`` needs, on the sheet and in the htmx answer."""
    can_attach = can(user, Action.ATTACH, sr)
    return {
        "attachments": attachments_visible(user, sr),
        "can_attach": can_attach,
        "can_attach_internal": can_attach and can(user, Action.VIEW_INTERNAL, sr),
        "upload_accept": UPLOAD_ACCEPT,
        "upload_formats": UPLOAD_FORMATS,
        "upload_max": megabytes(city_settings().upload_max_bytes),
    }


class UploadSizeLimitHandler(FileUploadHandler):
    """Drops a file as soon as it passes the limit, before any more of it is stored.

    The rest of the body is still read and thrown away, so the browser gets the
    page with its message rather than a reset connection or Django's bare 400.
    """

    def __init__(self, request=None):
        super().__init__(request)
        self.too_large = False
        self.limit = city_settings().upload_max_bytes

    def receive_data_chunk(self, raw_data, start):
        if start + len(raw_data) > self.limit:
            self.too_large = True
            raise SkipFile
        return raw_data

    def file_complete(self, file_size):
        return None


@csrf_exempt  # only so the handler goes in before the body is read; _attachment_add checks the token
@require_POST
def attachment_add_view(request, reference):
    """POST /demandes/<reference>/pieces-jointes/: attach a file (form without JS, or htmx)."""
    size_limit = UploadSizeLimitHandler(request)
    request.upload_handlers.insert(0, size_limit)
    return _attachment_add(request, reference, size_limit=size_limit)


@csrf_protect
def _attachment_add(request, reference, *, size_limit: UploadSizeLimitHandler):
    sr = request_get_visible(request.user, reference, request_detail_queryset())
    uploaded_file = request.FILES.get("file")
    error = success = None
    try:
        if size_limit.too_large:
            raise attachment_too_large_error()
        if uploaded_file is None:
            raise ValidationError({"file": _("Choisissez un fichier à joindre.")})
        attachment = attachment_add(
            sr=sr, actor=request.user, uploaded_file=uploaded_file, is_internal=bool(request.POST.get("is_internal"))
        )
    except ValidationError as exc:
        error = _("Le fichier n'a pas été joint. %(reason)s") % {"reason": " ".join(exc.messages)}
    except PermissionDenied:
        error = _("Vous ne pouvez pas joindre de fichier à cette demande.")
    else:
        success = _("Le fichier « %(name)s » a été joint à la demande.") % {"name": attachment.original_name}
    if error:
        messages.error(request, error)
    else:
        messages.success(request, success)
    if request.htmx:
        # The whole sheet: the new file shows in the panel and on the timeline at once.
        from .follow_up import render_sheet

        return render_sheet(request, request_get_visible(request.user, reference, request_detail_queryset()))
    return redirect(sr)


@require_safe
def attachment_download_view(request, reference, pk):
    """GET /demandes/<reference>/pieces-jointes/<pk>/: the file, for those who may see it (404 otherwise)."""
    sr = request_get_visible(request.user, reference)
    attachment = attachment_get_visible(user=request.user, sr=sr, pk=pk)
    try:
        handle = attachment.file.storage.open(attachment.file.name, "rb")
    except FileNotFoundError:
        logger.error("Attachment %s: file %s is missing from storage", attachment.pk, attachment.file.name)
        raise Http404 from None
    kind = ALLOWED_TYPES.get(attachment.content_type)
    response = FileResponse(
        handle,
        as_attachment=not (kind and kind.inline),
        filename=attachment.original_name,
        content_type=attachment.content_type if kind else "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private"
    # Should a file ever be read as a page anyway, it runs nothing and loads nothing.
    response["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'; sandbox"
    return response
