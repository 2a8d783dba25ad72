"""Attachments: checked by content, size-limited, stored under a random name, served
only to those who may see the request — through the service and through HTTP.

Every refusal keeps the same promise: no Attachment row, no timeline entry and no
file on disk (MEDIA_ROOT is a temporary folder for each test).
"""

import io
import os
import re
import struct
import time
import zipfile
import zlib

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.template.loader import render_to_string
from django.test import Client
from django.urls import reverse

from eusp.casework.events import event_record
from eusp.casework.models import Attachment, EventKind, RequestEvent, ServiceRequest
from eusp.casework.selectors import request_timeline
from eusp.casework.services import attachment_add, attachments_visible
from eusp.casework.services.attachments import attachment_name_clean
from eusp.casework.templatetags.casework_files import file_size
from eusp.casework.views.attachments import attachments_panel_context
from eusp.core.city_settings import city_settings
from tests.factories import AgentFactory, ElectedFactory, ServiceFactory, ServiceRequestFactory

pytestmark = pytest.mark.django_db

MB = 1024 * 1024
LOGIN = "/connexion/"


# Real files, made here -------------------------------------------------------------


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


# A real 1×1 red pixel.
PNG = (
    b"\x89PNG\r\n\x1a\n"
    + _png_chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
    + _png_chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00"))
    + _png_chunk(b"IEND", b"")
)
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 64 + b"\xff\xd9"
GIF = (
    b"GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00!\xf9\x04\x01\x00\x00\x00\x00"
    b",\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"
)
WEBP = b"RIFF\x1a\x00\x00\x00WEBPVP8L\x0d\x00\x00\x00/\x00\x00\x00\x10\x07\x10\x11\x11\x88\x88\xfe\x07\x00"
TIFF = b"II*\x00\x08\x00\x00\x00" + b"\x00" * 32
HEIC = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 32
HEIF = b"\x00\x00\x00\x18ftypmif1\x00\x00\x00\x00mif1miaf" + b"\x00" * 32
AVIF = b"\x00\x00\x00\x1cftypavif\x00\x00\x00\x00avifmif1miaf" + b"\x00" * 32


def _pdf() -> bytes:
    """A real one-page PDF, with a correct cross-reference table."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n%s\nendobj\n" % (number, body))
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref))
    return out.getvalue()


PDF = _pdf()
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 48 + b"This program cannot be run"
HTML = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(document.cookie)"><rect width="1" height="1"/></svg>'


def _zip() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("photo.jpg", JPEG)
    return out.getvalue()


def upload(name: str, content: bytes, content_type: str = "application/octet-stream") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


def big_png(size: int) -> bytes:
    return PNG[:33] + b"\x00" * (size - 33)


# Fixtures ---------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path / "upload-tmp")
    os.makedirs(settings.FILE_UPLOAD_TEMP_DIR)
    return settings.MEDIA_ROOT


def stored_files(root) -> list:
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


@pytest.fixture
def parks(db):
    return ServiceFactory(name="Espaces verts")


@pytest.fixture
def sr(elected, voirie):
    """Created by the élu of the ``elected`` fixture, handled by Voirie (the ``agent`` fixture's service)."""
    return ServiceRequestFactory(created_by=elected, instructing_service=voirie, executing_service=voirie)


@pytest.fixture
def other_sr(central, parks):
    return ServiceRequestFactory(created_by=central, instructing_service=parks, executing_service=parks)


@pytest.fixture
def users(central, elected, agent, parks):
    return {
        "central": central,
        "elected_creator": elected,
        "elected_other": ElectedFactory(username="elu-autre"),
        "agent": agent,
        "agent_other": AgentFactory(username="agent-parcs", services=[parks]),
        "anonymous": None,
    }


def attachment_url(sr: ServiceRequest) -> str:
    return reverse("casework:attachment-add", kwargs={"reference": sr.reference})


def download_url(sr: ServiceRequest, attachment: Attachment) -> str:
    return reverse("casework:attachment-download", kwargs={"reference": sr.reference, "pk": attachment.pk})


def nothing_stored(sr: ServiceRequest, media, events_before: int) -> None:
    assert not Attachment.objects.exists()
    assert RequestEvent.objects.filter(service_request=sr).count() == events_before
    assert stored_files(media) == []


# The service: what is accepted --------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("pixel.png", PNG, "image/png"),
        ("photo.JPG", JPEG, "image/jpeg"),
        ("pixel.gif", GIF, "image/gif"),
        ("photo.webp", WEBP, "image/webp"),
        ("IMG_0001.HEIC", HEIC, "image/heic"),
        ("photo.heif", HEIF, "image/heif"),
        ("scan.tif", TIFF, "image/tiff"),
        ("courrier.pdf", PDF, "application/pdf"),
    ],
    ids=lambda value: value if isinstance(value, str) and "/" not in value else "",
)
def test_accepted_types_are_stored_with_the_detected_type(sr, elected, media, name, content, expected):
    attachment = attachment_add(sr=sr, actor=elected, uploaded_file=upload(name, content, "text/plain"))
    attachment.refresh_from_db()
    # The type comes from the bytes, never from what the browser claimed.
    assert attachment.content_type == expected
    assert attachment.size == len(content)
    assert attachment.original_name == name.rsplit(".", 1)[0] + "." + name.rsplit(".", 1)[1].lower()
    assert attachment.file.read() == content
    assert re.fullmatch(r"attachments/\d{4}/[0-9a-f]{32}", attachment.file.name)
    assert stored_files(media) == [media / attachment.file.name]


def test_an_attachment_appears_on_the_timeline(client, sr, elected, central):
    attachment = attachment_add(sr=sr, actor=elected, uploaded_file=upload("Nid de poule.jpg", JPEG))
    event = attachment.event
    assert (event.kind, event.actor, event.note, event.is_internal) == (
        EventKind.ATTACHMENT,
        elected,
        "Nid de poule.jpg",
        False,
    )
    assert event in request_timeline(user=central, sr=sr)
    client.force_login(central)
    page = client.get(sr.get_absolute_url()).content.decode()
    assert "Pièce jointe" in page
    assert "Nid de poule.jpg" in page


def test_an_internal_attachment_has_an_internal_entry(sr, agent, elected):
    attachment = attachment_add(sr=sr, actor=agent, uploaded_file=upload("devis.pdf", PDF), is_internal=True)
    assert attachment.is_internal and attachment.event.is_internal
    assert attachment.event not in request_timeline(user=elected, sr=sr)
    assert attachment.event in request_timeline(user=agent, sr=sr)


def test_a_file_on_an_existing_entry_adds_no_entry(sr, agent):
    entry = event_record(sr, kind=EventKind.EXECUTION, actor=agent, note="Trou rebouché")
    before = RequestEvent.objects.filter(service_request=sr).count()
    attachment = attachment_add(sr=sr, actor=agent, uploaded_file=upload("après.jpg", JPEG), event=entry)
    assert attachment.event == entry
    assert RequestEvent.objects.filter(service_request=sr).count() == before


def test_a_file_on_an_internal_entry_is_internal(sr, agent, elected):
    entry = event_record(sr, kind=EventKind.COMMENT, actor=agent, note="Pour le service", is_internal=True)
    attachment = attachment_add(sr=sr, actor=agent, uploaded_file=upload("plan.pdf", PDF), event=entry)
    assert attachment.is_internal
    assert attachment not in attachments_visible(elected, sr)


def test_an_entry_of_another_request_is_refused(sr, other_sr, central, media):
    entry = other_sr.events.get()
    with pytest.raises(ValueError):
        attachment_add(sr=sr, actor=central, uploaded_file=upload("a.png", PNG), event=entry)
    assert stored_files(media) == []


# The service: what is refused, leaving nothing ------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "content_type", "message"),
    [
        ("virus.jpg", EXE, "image/jpeg", "n'est pas accepté"),
        ("page.png", HTML, "image/png", "n'est pas accepté"),
        ("plan.svg", SVG, "image/svg+xml", "n'est pas accepté"),
        ("photos.zip", _zip(), "application/zip", "n'est pas accepté"),
        ("photo.avif", AVIF, "image/avif", "n'est pas accepté"),
        ("vide.png", b"", "image/png", "Le fichier est vide."),
        ("enorme.png", big_png(11 * MB), "image/png", "la taille maximale est de 10 Mo"),
    ],
    ids=["exe-renamed-jpg", "html-renamed-png", "svg", "zip", "avif", "empty", "11-mb"],
)
def test_refused_files_leave_nothing(sr, elected, media, name, content, content_type, message):
    events_before = sr.events.count()
    with pytest.raises(ValidationError) as refused:
        attachment_add(sr=sr, actor=elected, uploaded_file=upload(name, content, content_type))
    assert message in " ".join(refused.value.message_dict["file"])
    nothing_stored(sr, media, events_before)


def test_refused_type_message_lists_the_accepted_formats(sr, elected):
    with pytest.raises(ValidationError) as refused:
        attachment_add(sr=sr, actor=elected, uploaded_file=upload("virus.jpg", EXE))
    assert refused.value.message_dict["file"] == [
        "Ce type de fichier n'est pas accepté. Formats acceptés : JPEG, PNG, GIF, WebP, HEIC, HEIF, TIFF, PDF."
    ]


def upload_limit_set(megabytes: int) -> None:
    """The limit the central service sets in /administration/parametres/."""
    city = city_settings()
    city.upload_max_mb = megabytes
    city.save()


def test_the_limit_follows_the_city_setting(sr, elected):
    upload_limit_set(3)
    with pytest.raises(ValidationError) as refused:
        attachment_add(sr=sr, actor=elected, uploaded_file=upload("a.png", big_png(3 * MB + 1)))
    assert "3 Mo" in refused.value.message_dict["file"][0]
    assert attachment_add(sr=sr, actor=elected, uploaded_file=upload("b.png", big_png(3 * MB)))


def test_an_elected_official_cannot_mark_internal(sr, elected, media):
    events_before = sr.events.count()
    with pytest.raises(ValidationError) as refused:
        attachment_add(sr=sr, actor=elected, uploaded_file=upload("a.png", PNG), is_internal=True)
    assert "is_internal" in refused.value.message_dict
    nothing_stored(sr, media, events_before)


@pytest.mark.parametrize("who", ["elected_other", "agent_other"])
def test_who_cannot_see_the_request_cannot_attach(sr, users, media, who):
    events_before = sr.events.count()
    with pytest.raises(PermissionDenied):
        attachment_add(sr=sr, actor=users[who], uploaded_file=upload("a.png", PNG))
    nothing_stored(sr, media, events_before)


@pytest.mark.parametrize("who", ["elected_creator", "agent"])
def test_an_archived_request_takes_no_file_but_from_the_central_service(sr, users, media, who):
    ServiceRequest.objects.filter(pk=sr.pk).update(is_archived=True)
    sr.refresh_from_db()
    events_before = sr.events.count()
    with pytest.raises(PermissionDenied):
        attachment_add(sr=sr, actor=users[who], uploaded_file=upload("a.png", PNG))
    nothing_stored(sr, media, events_before)
    assert attachment_add(sr=sr, actor=users["central"], uploaded_file=upload("a.png", PNG))


def test_archived_meanwhile_is_checked_on_the_locked_row(sr, elected, media):
    stale = ServiceRequest.objects.get(pk=sr.pk)
    ServiceRequest.objects.filter(pk=sr.pk).update(is_archived=True)
    events_before = sr.events.count()
    with pytest.raises(PermissionDenied):
        attachment_add(sr=stale, actor=elected, uploaded_file=upload("a.png", PNG))
    nothing_stored(sr, media, events_before)


def test_a_failed_transaction_removes_the_stored_file(sr, elected, media, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("database gone")

    monkeypatch.setattr("eusp.casework.services.attachments.event_record", broken)
    events_before = sr.events.count()
    with pytest.raises(RuntimeError):
        attachment_add(sr=sr, actor=elected, uploaded_file=upload("a.png", PNG))
    nothing_stored(sr, media, events_before)


# Names ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "content_type", "expected"),
    [
        ("Photo rue Émile-Zola.jpeg", "image/jpeg", "Photo rue Émile-Zola.jpeg"),
        ("../../etc/passwd.png", "image/png", "passwd.png"),
        ("C:\\Users\\agent\\Bureau\\scan.PDF", "application/pdf", "scan.pdf"),
        ("facture\u202egpj.exe", "image/jpeg", "facturegpj.exe.jpg"),
        ("bad\r\nname\x00.png", "image/png", "badname.png"),
        ("rapport.exe", "image/png", "rapport.exe.png"),
        ("sans extension", "application/pdf", "sans extension.pdf"),
        ("", "image/png", "piece-jointe.png"),
        ("...", "image/png", "piece-jointe.png"),
        ("a" * 300 + ".pdf", "application/pdf", "a" * 146 + ".pdf"),
        ("E\u0301te\u0301.png", "image/png", "Été.png"),
    ],
)
def test_the_original_name_is_cleaned(given, content_type, expected):
    assert attachment_name_clean(given, content_type) == expected


def test_the_name_on_disk_is_never_the_given_one(sr, elected):
    attachment = attachment_add(sr=sr, actor=elected, uploaded_file=upload("../../../config/evil.png", PNG))
    assert attachment.original_name == "evil.png"
    assert "evil" not in attachment.file.name and ".." not in attachment.file.name


# Reading --------------------------------------------------------------------------------


@pytest.fixture
def files(sr, other_sr, central, agent):
    return {
        "public": attachment_add(sr=sr, actor=central, uploaded_file=upload("Courrier de M. Lévêque.pdf", PDF)),
        "internal": attachment_add(sr=sr, actor=agent, uploaded_file=upload("devis.png", PNG), is_internal=True),
        "foreign": attachment_add(sr=other_sr, actor=central, uploaded_file=upload("autre.jpg", JPEG)),
    }


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("central", {"public", "internal"}),
        ("elected_creator", {"public"}),
        ("elected_other", set()),
        ("agent", {"public", "internal"}),
        ("agent_other", set()),
    ],
)
def test_attachments_visible(sr, users, files, who, expected):
    names = {key for key, attachment in files.items() if attachment in attachments_visible(users[who], sr)}
    assert names == expected


def test_attachments_visible_is_one_query(sr, central, files, django_assert_num_queries):
    with django_assert_num_queries(1):
        rows = [(a.original_name, a.type_label, str(a.uploaded_by)) for a in attachments_visible(central, sr)]
    assert rows[0][:2] == ("Courrier de M. Lévêque.pdf", "PDF")


# Download: profile × attachment -------------------------------------------------------

# public / internal: attachments of the request; crafted: another request's attachment
# requested under this request's reference.
DOWNLOADS = {
    "central": {"public": 200, "internal": 200, "crafted": 404},
    "elected_creator": {"public": 200, "internal": 404, "crafted": 404},
    "elected_other": {"public": 404, "internal": 404, "crafted": 404},
    "agent": {"public": 200, "internal": 200, "crafted": 404},
    "agent_other": {"public": 404, "internal": 404, "crafted": 404},
    "anonymous": {"public": 302, "internal": 302, "crafted": 302},
}
CASES = [(who, target, status) for who, row in DOWNLOADS.items() for target, status in row.items()]


@pytest.mark.parametrize(("who", "target", "status"), CASES, ids=[f"{w}-{t}" for w, t, _ in CASES])
def test_download_matrix(client, sr, users, files, who, target, status):
    if users[who] is not None:
        client.force_login(users[who])
    attachment = files["foreign" if target == "crafted" else target]
    url = download_url(sr, attachment)
    response = client.get(url)
    assert response.status_code == status
    content = attachment.file.open("rb").read()
    attachment.file.close()
    if status == 200:
        assert b"".join(response.streaming_content) == content
        response.close()
    else:
        assert content not in response.content
    if status == 302:
        assert response["Location"].startswith(LOGIN)


def test_the_owner_of_the_foreign_file_gets_it_under_its_own_reference(client, other_sr, users, files):
    """The crafted-URL 404 comes from the mismatch, not from the file."""
    client.force_login(users["agent_other"])
    response = client.get(download_url(other_sr, files["foreign"]))
    assert response.status_code == 200
    response.close()


def test_unknown_attachment_and_missing_file_are_404(client, sr, central, files):
    client.force_login(central)
    assert (
        client.get(download_url(sr, files["public"]).replace(f"/{files['public'].pk}/", "/999999/")).status_code == 404
    )
    files["public"].file.storage.delete(files["public"].file.name)
    assert client.get(download_url(sr, files["public"])).status_code == 404


def test_a_pdf_is_downloaded_with_its_original_name(client, sr, central, files):
    client.force_login(central)
    response = client.get(download_url(sr, files["public"]))
    assert response["Content-Type"] == "application/pdf"
    # RFC 5987: accents survive in every browser.
    assert response["Content-Disposition"] == "attachment; filename*=utf-8''Courrier%20de%20M.%20L%C3%A9v%C3%AAque.pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "private"
    assert "sandbox" in response["Content-Security-Policy"]
    assert response["Content-Length"] == str(len(PDF))
    response.close()


def test_a_photo_is_shown_inline_with_the_detected_type(client, sr, central):
    attachment = attachment_add(sr=sr, actor=central, uploaded_file=upload("photo.png", PNG, "text/html"))
    client.force_login(central)
    response = client.get(download_url(sr, attachment))
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"] == 'inline; filename="photo.png"'
    assert response["X-Content-Type-Options"] == "nosniff"
    response.close()


def test_a_tiff_scan_is_downloaded_not_shown(client, sr, central):
    attachment = attachment_add(sr=sr, actor=central, uploaded_file=upload("scan.tiff", TIFF))
    client.force_login(central)
    response = client.get(download_url(sr, attachment))
    assert response["Content-Disposition"] == 'attachment; filename="scan.tiff"'
    response.close()


def test_download_is_get_only(client, sr, central, files):
    client.force_login(central)
    assert client.post(download_url(sr, files["public"])).status_code == 405


# Upload through HTTP -----------------------------------------------------------------


def test_upload_without_javascript_redirects_to_the_sheet_with_a_message(client, sr, elected):
    client.force_login(elected)
    response = client.post(attachment_url(sr), {"file": upload("Trottoir.jpg", JPEG, "image/jpeg")})
    assert response.status_code == 302
    assert response["Location"] == sr.get_absolute_url()
    attachment = Attachment.objects.get()
    assert (attachment.service_request, attachment.uploaded_by, attachment.is_internal) == (sr, elected, False)
    page = client.get(sr.get_absolute_url()).content.decode()
    assert "Le fichier « Trottoir.jpg » a été joint à la demande." in page


def test_upload_with_htmx_returns_the_list(client, sr, agent):
    client.force_login(agent)
    response = client.post(
        attachment_url(sr), {"file": upload("plan.pdf", PDF), "is_internal": "1"}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="attachments"' in body
    assert "Le fichier « plan.pdf » a été joint à la demande." in body
    attachment = Attachment.objects.get()
    assert attachment.is_internal
    assert download_url(sr, attachment) in body
    assert "<html" not in body


def test_refused_upload_with_htmx_explains_in_the_list(client, sr, elected, media):
    client.force_login(elected)
    events_before = sr.events.count()
    response = client.post(attachment_url(sr), {"file": upload("virus.jpg", EXE)}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert "Le fichier n&#x27;a pas été joint. Ce type de fichier n&#x27;est pas accepté." in response.content.decode()
    nothing_stored(sr, media, events_before)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"file": upload("virus.jpg", EXE, "image/jpeg")}, "Ce type de fichier n&#x27;est pas accepté."),
        ({"file": upload("vide.pdf", b"")}, "Le fichier est vide."),
        ({}, "Choisissez un fichier à joindre."),
        ({"file": upload("a.png", PNG), "is_internal": "1"}, "Vous ne pouvez pas joindre de document interne."),
    ],
    ids=["exe", "empty", "no-file", "elected-internal"],
)
def test_refused_upload_without_javascript_explains_on_the_sheet(client, sr, elected, media, data, message):
    client.force_login(elected)
    events_before = sr.events.count()
    response = client.post(attachment_url(sr), data, follow=True)
    assert response.redirect_chain == [(sr.get_absolute_url(), 302)]
    assert message in response.content.decode()
    nothing_stored(sr, media, events_before)


@pytest.mark.parametrize("size", [11 * MB, 50 * MB], ids=["11-mb", "50-mb"])
def test_too_large_upload_gets_a_french_message_and_changes_nothing(
    client, settings, monkeypatch, sr, elected, media, size
):
    def not_reached(**kwargs):
        raise AssertionError("the file should have been dropped while it was read")

    # The view stops the file at the limit: the service never sees it.
    monkeypatch.setattr("eusp.casework.views.attachments.attachment_add", not_reached)
    client.force_login(elected)
    events_before = sr.events.count()
    response = client.post(attachment_url(sr), {"file": upload("enorme.png", big_png(size), "image/png")}, follow=True)
    assert response.status_code == 200
    assert response.redirect_chain == [(sr.get_absolute_url(), 302)]
    assert "Le fichier est trop volumineux : la taille maximale est de 10 Mo." in response.content.decode()
    nothing_stored(sr, media, events_before)
    # The part received before the limit was dropped, not left in the upload folder.
    assert os.listdir(settings.FILE_UPLOAD_TEMP_DIR) == []


def test_the_limit_is_exact_through_http(client, sr, elected):
    upload_limit_set(1)
    client.force_login(elected)
    client.post(attachment_url(sr), {"file": upload("juste.png", big_png(MB))})
    assert Attachment.objects.get().size == MB
    response = client.post(attachment_url(sr), {"file": upload("trop.png", big_png(MB + 1))}, follow=True)
    assert "la taille maximale est de 1 Mo." in response.content.decode()
    assert Attachment.objects.count() == 1


def test_upload_checks_the_csrf_token(sr, elected, media):
    client = Client(enforce_csrf_checks=True)
    client.force_login(elected)
    response = client.post(attachment_url(sr), {"file": upload("a.png", PNG)})
    assert response.status_code == 403
    assert stored_files(media) == []


def test_upload_with_the_csrf_token_passes(sr, elected):
    client = Client(enforce_csrf_checks=True)
    client.force_login(elected)
    client.get(sr.get_absolute_url())
    token = client.cookies["csrftoken"].value
    response = client.post(attachment_url(sr), {"file": upload("a.png", PNG), "csrfmiddlewaretoken": token})
    assert response.status_code == 302
    assert Attachment.objects.count() == 1


@pytest.mark.parametrize(("who", "status"), [("elected_other", 404), ("agent_other", 404), ("anonymous", 302)])
def test_upload_by_who_cannot_see_the_request(client, sr, users, media, who, status):
    if users[who] is not None:
        client.force_login(users[who])
    events_before = sr.events.count()
    response = client.post(attachment_url(sr), {"file": upload("a.png", PNG)})
    assert response.status_code == status
    nothing_stored(sr, media, events_before)


def test_upload_on_an_archived_request_is_explained(client, sr, elected, media):
    ServiceRequest.objects.filter(pk=sr.pk).update(is_archived=True)
    client.force_login(elected)
    events_before = sr.events.count()
    response = client.post(attachment_url(sr), {"file": upload("a.png", PNG)}, follow=True)
    assert "Vous ne pouvez pas joindre de fichier à cette demande." in response.content.decode()
    nothing_stored(sr, media, events_before)


def test_upload_url_is_post_only(client, sr, central):
    client.force_login(central)
    assert client.get(attachment_url(sr)).status_code == 405


# The panel ---------------------------------------------------------------------------


def panel(user, sr) -> str:
    return render_to_string("casework/includes/_attachments.html", {"sr": sr, **attachments_panel_context(user, sr)})


def test_panel_lists_what_the_user_may_see_with_the_form(sr, elected, agent, files):
    html = panel(elected, sr)
    assert "Courrier de M. Lévêque.pdf" in html and "devis.png" not in html
    assert 'accept=".jpg,.jpeg,.png,' in html and "application/pdf" in html
    assert "10 Mo au maximum" in html
    assert 'name="is_internal"' not in html
    html = panel(agent, sr)
    assert "devis.png" in html and "interne" in html
    assert 'name="is_internal"' in html


@pytest.mark.parametrize(
    ("size", "shown"),
    [(1, "1 octet"), (329, "329 octets"), (12_500, "12 Ko"), (3 * MB, "3 Mo"), (int(2.5 * MB), "2,5 Mo")],
)
def test_sizes_read_in_ko_and_mo(size, shown):
    assert file_size(size) == shown


def test_panel_has_no_form_where_one_may_not_attach(sr, elected):
    ServiceRequest.objects.filter(pk=sr.pk).update(is_archived=True)
    sr.refresh_from_db()
    html = panel(elected, sr)
    assert "Aucune pièce jointe." in html
    assert "<form" not in html


# Orphan files ------------------------------------------------------------------------


def test_prune_deletes_old_orphans_only(sr, central, media):
    kept = attachment_add(sr=sr, actor=central, uploaded_file=upload("a.png", PNG))
    folder = (media / kept.file.name).parent
    old_orphan, new_orphan = folder / ("0" * 32), folder / ("1" * 32)
    old_orphan.write_bytes(PNG)
    new_orphan.write_bytes(PNG)
    two_days_ago = time.time() - 48 * 3600
    os.utime(old_orphan, (two_days_ago, two_days_ago))
    os.utime(media / kept.file.name, (two_days_ago, two_days_ago))
    call_command("attachments_prune", stdout=io.StringIO())
    assert sorted(stored_files(media)) == sorted([media / kept.file.name, new_orphan])
