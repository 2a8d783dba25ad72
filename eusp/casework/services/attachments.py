"""Attachments: photos, scanned letters and PDF on a request or on one of its timeline entries.

A file is checked by its content (never by its name or the type the browser
claims), size-limited, stored under a random name, and served only to those who
may see the request (``attachment_get_visible``).
"""

import logging
import os
import unicodedata
from dataclasses import dataclass

import filetype
from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import transaction
from django.db.models import Case, F, Prefetch, Q, QuerySet, Value, When
from django.http import Http404
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from filetype.types import archive, image
from filetype.types.isobmff import IsoBmff

from eusp.accounts.models import User
from eusp.core.city_settings import city_settings

from ..events import event_record
from ..models import Attachment, EventKind, RequestEvent, ServiceRequest
from ..permissions import Action, can, is_visible
from .common import authorize, refuse, request_lock

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class FileKind:
    label: str
    extensions: tuple[str, ...]
    # Browsers render these as images, never as a document that could run script.
    inline: bool = False


ALLOWED_TYPES: dict[str, FileKind] = {
    "image/jpeg": FileKind("JPEG", ("jpg", "jpeg"), inline=True),
    "image/png": FileKind("PNG", ("png",), inline=True),
    "image/gif": FileKind("GIF", ("gif",), inline=True),
    "image/webp": FileKind("WebP", ("webp",), inline=True),
    "image/heic": FileKind("HEIC", ("heic",)),
    "image/heif": FileKind("HEIF", ("heif", "heic")),
    "image/tiff": FileKind("TIFF", ("tif", "tiff")),
    "application/pdf": FileKind("PDF", ("pdf",)),
}
# For the file picker only (a convenience, not a check): extensions and types.
UPLOAD_ACCEPT = ",".join(
    dict.fromkeys([f".{ext}" for kind in ALLOWED_TYPES.values() for ext in kind.extensions] + list(ALLOWED_TYPES))
)
UPLOAD_FORMATS = ", ".join(dict.fromkeys(kind.label for kind in ALLOWED_TYPES.values()))
NAME_MAX_LENGTH = 150
HEAD_BYTES = 8192  # what filetype looks at


class _Heif(IsoBmff):
    """HEIF stills without the "heic" brand filetype knows (some phones and scanners write "mif1")."""

    BRANDS = frozenset({"mif1", "msf1", "heix", "hevc", "hevx", "heim", "heis", "hevm", "hevs"})

    def __init__(self):
        super().__init__(mime="image/heif", extension="heif")

    def match(self, buf) -> bool:
        if not self._is_isobmff(buf):
            return False
        major_brand, _minor, compatible = self._get_ftyp(buf)
        return major_brand in self.BRANDS and not {"avif", "avis"} & set(compatible)


# Only the accepted types are tried, so anything else (executable, HTML, SVG,
# archive…) matches nothing. PNG's matcher also takes animated PNG, which is a PNG.
_MATCHERS = (
    image.Jpeg(),
    image.Png(),
    image.Gif(),
    image.Webp(),
    image.Tiff(),  # excludes Canon raw files, which share TIFF's header
    image.Heic(),
    _Heif(),
    archive.Pdf(),
)


def file_type_detect(file: File) -> str | None:
    """The MIME type read from the file's first bytes, if it is one we accept."""
    file.seek(0)
    head = file.read(HEAD_BYTES)
    file.seek(0)
    kind = filetype.match(bytes(head), matchers=_MATCHERS) if head else None
    return kind.mime if kind else None


def megabytes(size: int) -> str:
    """« 10 Mo », « 2,5 Mo »: the limit as users read it (1 Mo = 1024 Ko, as file managers count)."""
    value = round(size / (1024 * 1024), 1)
    return _("%(size)s Mo") % {"size": number_format(value, decimal_pos=0 if value.is_integer() else 1)}


def attachment_too_large_error() -> ValidationError:
    """Also raised by the upload view, which stops reading a file past the limit."""
    return ValidationError(
        {
            "file": _("Le fichier est trop volumineux : la taille maximale est de %(limit)s.")
            % {"limit": megabytes(city_settings().upload_max_bytes)}
        }
    )


def attachment_name_clean(name: str, content_type: str) -> str:
    """The name shown and offered on download — never used on disk.

    Last path segment only, no control or invisible characters (a right-to-left
    override can make "gpj.exe" read as "exe.jpg"), a bounded length, and an
    extension that matches the content so the file opens in the right program.
    """
    name = unicodedata.normalize("NFC", name or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(char for char in name if not unicodedata.category(char).startswith("C"))
    name = " ".join(name.split()).strip(" .")
    extensions = ALLOWED_TYPES[content_type].extensions
    base, ext = os.path.splitext(name)
    if ext.lower().lstrip(".") not in extensions:
        base, ext = name, f".{extensions[0]}"
    base = base[: NAME_MAX_LENGTH - len(ext)].rstrip(" .") or "piece-jointe"
    return base + ext.lower()


def _file_check(uploaded_file: File) -> str:
    """Size and content checks; returns the detected type."""
    if not uploaded_file.size:
        refuse(_("Le fichier est vide."), "file")
    if uploaded_file.size > city_settings().upload_max_bytes:
        raise attachment_too_large_error()
    content_type = file_type_detect(uploaded_file)
    if content_type is None:
        refuse(
            _("Ce type de fichier n'est pas accepté. Formats acceptés : %(formats)s.") % {"formats": UPLOAD_FORMATS},
            "file",
        )
    return content_type


def attachment_add(
    *,
    sr: ServiceRequest,
    actor: User,
    uploaded_file: File,
    event: RequestEvent | None = None,
    is_internal: bool = False,
) -> Attachment:
    """Attach a file to a request, or to one of its timeline entries.

    Without ``event`` an "attachment" entry is appended to the timeline; with it,
    the file hangs on that entry and nothing else is appended.

    Every check runs before anything is written. The file is stored just before
    the transaction (so the request's row lock is not held while it is copied)
    and removed again if the transaction fails, so a refused or failed upload
    leaves neither a row, nor an event, nor a file. A file left behind by a
    crash, or by a caller's enclosing transaction rolled back after we return,
    has no row pointing to it: ``attachments_prune`` deletes such files.
    """
    authorize(actor, Action.ATTACH, sr)
    if event is not None:
        if event.service_request_id != sr.pk:
            raise ValueError("The event belongs to another request.")
        # A file on an internal entry must stay hidden from those who cannot see the entry.
        is_internal = is_internal or event.is_internal
    if is_internal and not can(actor, Action.VIEW_INTERNAL, sr):
        refuse(_("Vous ne pouvez pas joindre de document interne."), "is_internal")
    content_type = _file_check(uploaded_file)
    attachment = Attachment(
        service_request=sr,
        event=event,
        original_name=attachment_name_clean(uploaded_file.name, content_type),
        content_type=content_type,
        size=uploaded_file.size,
        uploaded_by=actor,
        is_internal=is_internal,
    )
    attachment.file.save(attachment.original_name, uploaded_file, save=False)
    try:
        with transaction.atomic():
            current = request_lock(sr)
            # Checked again on the locked row: the request may have been archived or reassigned meanwhile.
            authorize(actor, Action.ATTACH, current)
            if event is None:
                attachment.event = event_record(
                    current,
                    kind=EventKind.ATTACHMENT,
                    actor=actor,
                    note=attachment.original_name,
                    is_internal=is_internal,
                )
            attachment.save()
    except BaseException:
        try:
            attachment.file.delete(save=False)
        except OSError:
            logger.exception("Could not remove %s after a failed upload", attachment.file.name)
        raise
    return attachment


def attachments_visible(user: User, sr: ServiceRequest) -> QuerySet[Attachment]:
    """The request's attachments this user may see, oldest first, with uploader and type label.

    Internal ones (or ones on an internal timeline entry) only for those who see internal entries.
    """
    if not is_visible(user, sr):
        return Attachment.objects.none()
    qs = (
        Attachment.objects.filter(service_request=sr)
        .select_related("uploaded_by")
        .annotate(
            type_label=Case(
                *[When(content_type=mime, then=Value(kind.label)) for mime, kind in ALLOWED_TYPES.items()],
                default=F("content_type"),
            )
        )
        .order_by("uploaded_at", "pk")
    )
    if not can(user, Action.VIEW_INTERNAL, sr):
        qs = qs.filter(Q(event__isnull=True) | Q(event__is_internal=False), is_internal=False)
    return qs


def attachment_get_visible(*, user: User, sr: ServiceRequest, pk: int) -> Attachment:
    """One attachment of this request if the user may see it; 404 otherwise, like a missing one."""
    try:
        return attachments_visible(user, sr).get(pk=pk)
    except Attachment.DoesNotExist:
        raise Http404 from None


def attachments_prefetch(user: User, sr: ServiceRequest) -> Prefetch:
    """For the timeline: ``events.prefetch_related(attachments_prefetch(user, sr))`` puts each
    entry's visible files in ``event.visible_attachments`` in one query."""
    return Prefetch("attachments", queryset=attachments_visible(user, sr), to_attr="visible_attachments")
