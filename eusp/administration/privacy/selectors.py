"""What the privacy page shows about the retention rule, and what one request holds."""

from dataclasses import dataclass
from datetime import datetime

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from eusp.administration.models import AdminChange
from eusp.casework.models import ServiceRequest
from eusp.casework.services.anonymisation import retention_cutoff, retention_due
from eusp.core.city_settings import city_settings
from eusp.core.models import JobRun

RETENTION_JOB = "retention"  # its name in settings.EUSP_DAILY_JOBS


@dataclass
class RetentionOverview:
    months: int
    cutoff: datetime
    due: int
    last_run: JobRun | None
    last_change: AdminChange | None


def retention_overview() -> RetentionOverview:
    return RetentionOverview(
        months=city_settings().retention_months,
        cutoff=retention_cutoff(),
        due=retention_due().count(),
        last_run=JobRun.objects.filter(job=RETENTION_JOB).order_by("-day", "-started_at").first(),
        last_change=AdminChange.objects.filter(action=AdminChange.Action.RETENTION).order_by("-at", "-pk").first(),
    )


def held_data(sr: ServiceRequest) -> list[str]:
    """What a request of ``requester_requests`` holds about its requester, in words."""
    held = [
        label
        for label, value in (
            (_("nom"), sr.requester_last_name or sr.requester_first_name),
            (_("adresse"), sr.requester_address or sr.requester_postcode or sr.requester_city),
            (_("téléphone"), sr.requester_phone),
            (_("e-mail"), sr.requester_email),
        )
        if value
    ]
    for count, text in (
        (sr.answer_count, ngettext("%(n)s réponse", "%(n)s réponses", sr.answer_count)),
        (sr.requester_mail_count, ngettext("%(n)s courriel", "%(n)s courriels", sr.requester_mail_count)),
        (sr.attachment_count, ngettext("%(n)s pièce jointe", "%(n)s pièces jointes", sr.attachment_count)),
    ):
        if count:
            held.append(text % {"n": count})
    return held
