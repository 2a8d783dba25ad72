"""Large spreadsheets built by the worker: the job is queued once the request that asked
commits, built from the owner's list query as the owner may see it when it runs, offered
to the owner only, and deleted after ``EUSP_EXPORT_KEEP_HOURS`` by the daily purge."""

import logging
import tempfile
from datetime import datetime, timedelta
from functools import partial

from django.conf import settings
from django.core.files import File
from django.db import transaction
from django.http import QueryDict
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from eusp.accounts.models import User

from ..models import ExportJob
from .selectors import request_export
from .tasks import export_job_task
from .writers import LARGE_ROWS, write_file

logger = logging.getLogger(__name__)


def export_job_create(*, owner: User, fmt: str, query: str) -> ExportJob:
    job = ExportJob.objects.create(owner=owner, fmt=fmt, query=query, language=translation.get_language() or "")
    transaction.on_commit(partial(_enqueue, job.pk))
    return job


def _enqueue(job_id: int) -> None:
    try:
        export_job_task.enqueue(job_id=job_id)
    except Exception:
        # Nothing else would ever build it: say so on the job's page rather than wait forever.
        logger.exception("Export job %s could not be queued", job_id)
        ExportJob.objects.filter(pk=job_id, status=ExportJob.Status.PENDING).update(
            status=ExportJob.Status.FAILED, error="queue unavailable", finished_at=timezone.now()
        )


def export_job_run(job_id: int) -> str:
    """Build the job's file, once: a job already taken (a task run twice) is left alone."""
    taken = ExportJob.objects.filter(pk=job_id, status=ExportJob.Status.PENDING).update(status=ExportJob.Status.RUNNING)
    if not taken:
        return "skipped"
    job = ExportJob.objects.select_related("owner").get(pk=job_id)
    try:
        with translation.override(job.language or settings.LANGUAGE_CODE), tempfile.TemporaryFile() as file:
            export = request_export(user=job.owner, params=QueryDict(job.query))
            large = export.queryset.order_by()[: LARGE_ROWS + 1].count() > LARGE_ROWS
            result = write_file(
                job.fmt, file, export.headers, export.rows(), widths=export.widths, title=_("Demandes"), large=large
            )
            file.seek(0)
            job.file.save(f"{job.token.hex}.{job.fmt}", File(file), save=False)
    except Exception as exc:
        logger.exception("Export job %s failed", job_id)
        ExportJob.objects.filter(pk=job_id).update(
            status=ExportJob.Status.FAILED, error=f"{type(exc).__name__}: {exc}"[:2000], finished_at=timezone.now()
        )
        return "failed"
    job.rows, job.truncated = result.rows, result.truncated
    job.status, job.finished_at = ExportJob.Status.DONE, timezone.now()
    job.save(update_fields=["file", "rows", "truncated", "status", "finished_at"])
    return "done"


def export_job_abandoned(job: ExportJob) -> bool:
    """Still unfinished ``EUSP_EXPORT_ABANDONED_MINUTES`` after it was asked: its worker died
    or no worker runs. Said so, rather than leave its owner waiting until the purge."""
    limit = timezone.now() - timedelta(minutes=settings.EUSP_EXPORT_ABANDONED_MINUTES)
    return not job.is_finished and job.created_at < limit


def export_job_expiry() -> datetime:
    """Jobs asked before this are gone (or about to be): their files are not offered."""
    return timezone.now() - timedelta(hours=settings.EUSP_EXPORT_KEEP_HOURS)


def export_jobs_purge() -> str:
    """The daily job: delete the jobs older than ``EUSP_EXPORT_KEEP_HOURS`` and their files
    (personal data, which must not outlive their use)."""
    old = ExportJob.objects.filter(created_at__lt=export_job_expiry())
    count = 0
    for job in old.iterator():
        if job.file:
            job.file.delete(save=False)
        job.delete()
        count += 1
    return f"{count} export(s) deleted"
