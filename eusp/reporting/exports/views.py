"""/demandes/export.csv|xlsx|ods: the list a user is looking at, every page, as a file.

CSV always streams. A spreadsheet of more than ``EUSP_EXPORT_SYNC_MAX_ROWS`` rows is built
by the worker: the user waits on a page that offers the file when it is ready.
"""

from django.conf import settings
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.translation import gettext as _

from ..models import ExportJob
from .jobs import export_job_abandoned, export_job_create, export_job_expiry
from .selectors import request_export
from .writers import CONTENT_TYPES, LARGE_ROWS, export_response


def request_export_view(request, fmt: str):
    """The list's query string decides the rows (filters, words, ``archives``, ``sort``)."""
    export = request_export(user=request.user, params=request.GET)
    count = 0
    if fmt != "csv":
        limit = settings.EUSP_EXPORT_SYNC_MAX_ROWS
        count = export.queryset.order_by()[: limit + 1].count()
        if count > limit:
            job = export_job_create(owner=request.user, fmt=fmt, query=request.GET.urlencode())
            return redirect(job)
    filename = f"demandes-{timezone.localdate():%Y-%m-%d}"
    return export_response(
        fmt,
        filename,
        export.headers,
        export.rows(),
        widths=export.widths,
        title=_("Demandes"),
        large=count > LARGE_ROWS,
    )


def _owned_job(request, token) -> ExportJob:
    # Someone else's export is a 404, exactly like one that does not exist.
    return get_object_or_404(ExportJob, token=token, owner=request.user)


def export_job_view(request, token):
    """« Votre export est en préparation », then the link to the file; htmx polls it."""
    job = _owned_job(request, token)
    context = {"job": job, "expired": job.created_at < export_job_expiry(), "abandoned": export_job_abandoned(job)}
    template = "reporting/export_job.html#status" if request.htmx else "reporting/export_job.html"
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    patch_cache_control(response, private=True, no_store=True)
    return response


def export_job_download_view(request, token):
    job = _owned_job(request, token)
    if job.status != ExportJob.Status.DONE or not job.file or job.created_at < export_job_expiry():
        raise Http404
    try:
        file = job.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(file, as_attachment=True, filename=job.filename, content_type=CONTENT_TYPES[job.fmt])
    patch_cache_control(response, private=True, no_store=True)
    return response
