"""Requests holding a requester's personal data in every place it can be, for the RGPD
tests (anonymisation, retention, the privacy pages)."""

import json
from datetime import timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Q
from django.utils import timezone

from eusp.casework.models import Answer, AnswerChannel, Attachment, RequestEvent, ServiceRequest
from eusp.casework.services import (
    attachment_add,
    request_answer,
    request_archive,
    request_close,
    request_comment,
    request_update,
)
from eusp.casework.services.anonymisation import months_before
from eusp.notifications.models import OutboxMessage
from tests.factories import ServiceRequestFactory

# A real 1×1 PNG (the upload is checked by its content).
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010802000000907753de"
    "0000000c49444154789c63f8cfc000000301010018dd8db00000000049454e44ae426082"
)

JEANNE = {
    "requester_civility": "mme",
    "requester_first_name": "Jeanne",
    "requester_last_name": "Durand",
    "requester_address": "12 rue des Lilas",
    "requester_postcode": "45000",
    "requester_city": "Valmont-sur-Loire",
    "requester_phone": "06 12 34 56 78",
    "requester_email": "jeanne.durand@example.org",
}
# What must be gone once Jeanne's data is erased (her earlier e-mail included).
JEANNE_TRACES = ["Durand", "Jeanne", "12 rue des Lilas", "0612345678", "06 12 34 56 78", "jeanne.durand"]

PAUL = {
    "requester_civility": "m",
    "requester_first_name": "Paul",
    "requester_last_name": "Lefèvre",
    "requester_address": "4 place du Marché",
    "requester_phone": "07 98 76 54 32",
    "requester_email": "paul.lefevre@example.org",
}


def requester_request(central, person: dict | None = None, **kwargs) -> ServiceRequest:
    return ServiceRequestFactory(created_by=central, **{**(person or JEANNE), **kwargs})


def full_request(central, person: dict | None = None, **kwargs) -> ServiceRequest:
    """A request whose requester's data sits everywhere: the row, an edit of their e-mail
    on the timeline, an e-mail answer (sent) filled with their name and address, a
    comment, a scanned letter. MEDIA_ROOT must be a temporary folder."""
    person = person or JEANNE
    sr = requester_request(central, person, **{**kwargs, "requester_email": "ancien." + person["requester_email"]})
    sr = request_update(
        sr=sr, actor=central, data={"requester_email": person["requester_email"]}, expected_version=None
    )
    request_answer(
        sr=sr,
        actor=central,
        channel=AnswerChannel.EMAIL,
        text="Bonjour {demandeur}, les travaux au {adresse} sont prévus.",
        answered_on=timezone.localdate(),
    )
    OutboxMessage.objects.filter(service_request=sr, kind=OutboxMessage.Kind.ANSWER).update(
        status=OutboxMessage.Status.SENT, sent_at=timezone.now()
    )
    request_comment(sr=sr, actor=central, note="Chaussée à reprendre sur deux mètres.")
    upload = SimpleUploadedFile(f"courrier-{person['requester_last_name']}.png", PNG, content_type="image/png")
    attachment_add(sr=sr, actor=central, uploaded_file=upload)
    return ServiceRequest.objects.get(pk=sr.pk)


def archive(sr: ServiceRequest, central, *, months: int = 0, days: int = 0) -> ServiceRequest:
    """Close and archive, dated ``months`` months and ``days`` days ago."""
    request_close(sr=sr, actor=central, done=True)
    request_archive(sr=sr, actor=central)
    archived_at = months_before(timezone.now(), months) - timedelta(days=days)
    ServiceRequest.objects.filter(pk=sr.pk).update(archived_at=archived_at)
    return ServiceRequest.objects.get(pk=sr.pk)


def everything_held(sr: ServiceRequest) -> str:
    """Every stored value about one request (row, timeline, answers, mail, attachments), as text."""
    parts = [
        list(ServiceRequest.objects.filter(pk=sr.pk).values()),
        list(RequestEvent.objects.filter(service_request_id=sr.pk).values()),
        list(Answer.objects.filter(service_request_id=sr.pk).values()),
        list(OutboxMessage.objects.filter(Q(service_request_id=sr.pk)).values()),
        list(Attachment.objects.filter(service_request_id=sr.pk).values()),
    ]
    return json.dumps(parts, default=str, ensure_ascii=False)


def traces_in(text: str, traces: list[str] = JEANNE_TRACES) -> list[str]:
    folded = text.lower()
    return [trace for trace in traces if trace.lower() in folded]
