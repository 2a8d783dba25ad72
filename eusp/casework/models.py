"""The request (demande) and its append-only timeline."""

import re
import uuid
from datetime import date

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import models
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from eusp.notifications.models import OutboxMessage

from .keyset import DUE_KEY


class Civility(models.TextChoices):
    MADAME = "mme", _("Madame")
    MONSIEUR = "m", _("Monsieur")


class Feasibility(models.TextChoices):
    FEASIBLE = "feasible", _("Faisable")
    NOT_FEASIBLE = "not_feasible", _("Non faisable")
    TO_STUDY = "to_study", _("À étudier")


class ReferenceCounter(models.Model):
    """Last reference number handed out per year; one row locked per allocation."""

    year = models.PositiveSmallIntegerField(primary_key=True)
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("compteur de références")

    def __str__(self) -> str:
        return f"{self.year}: {self.last_number}"


class ServiceRequest(models.Model):
    # Identity
    reference = models.CharField(_("référence"), max_length=12, unique=True, editable=False)
    year = models.PositiveSmallIntegerField(_("année"), editable=False)
    number = models.PositiveIntegerField(_("numéro"), editable=False)

    # Requester (personal data)
    requester_civility = models.CharField(_("civilité"), max_length=3, choices=Civility.choices, blank=True)
    requester_last_name = models.CharField(_("nom"), max_length=120, blank=True)
    requester_first_name = models.CharField(_("prénom"), max_length=120, blank=True)
    requester_address = models.CharField(_("adresse"), max_length=255, blank=True)
    requester_postcode = models.CharField(_("code postal"), max_length=10, blank=True)
    requester_city = models.CharField(_("commune"), max_length=120, blank=True)
    requester_phone = models.CharField(_("téléphone"), max_length=30, blank=True)
    requester_email = models.EmailField(_("e-mail"), blank=True)

    # Object of the request
    origin = models.ForeignKey(
        "directory.Origin", verbose_name=_("origine"), on_delete=models.PROTECT, related_name="requests"
    )
    received_on = models.DateField(_("date de réception"))
    category = models.ForeignKey(
        "directory.Category", verbose_name=_("catégorie"), on_delete=models.PROTECT, related_name="requests"
    )
    subject = models.CharField(_("objet"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    location_address = models.CharField(
        _("adresse du lieu"),
        max_length=255,
        blank=True,
        help_text=_("À remplir si le lieu du problème diffère de l'adresse du demandeur."),
    )
    district = models.ForeignKey(
        "directory.District",
        verbose_name=_("quartier"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="requests",
    )
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True, blank=True)

    # Follow-up
    referent_official = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("élu référent"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="referent_requests",
        limit_choices_to={"profile": "elected"},
    )
    instructing_service = models.ForeignKey(
        "directory.Service",
        verbose_name=_("service instructeur"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="instructed_requests",
    )
    executing_service = models.ForeignKey(
        "directory.Service",
        verbose_name=_("service exécution"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="executed_requests",
    )
    state = models.ForeignKey(
        "directory.State", verbose_name=_("état"), on_delete=models.PROTECT, related_name="requests"
    )
    priority = models.ForeignKey(
        "directory.Priority", verbose_name=_("priorité"), on_delete=models.PROTECT, related_name="requests"
    )
    feasibility = models.CharField(_("faisabilité"), max_length=12, choices=Feasibility.choices, blank=True)
    expected_delay_days = models.PositiveSmallIntegerField(_("délai prévu (jours ouvrés)"), null=True, blank=True)
    due_on = models.DateField(_("échéance"), null=True, blank=True)
    estimated_cost = models.DecimalField(_("coût estimé (€)"), max_digits=12, decimal_places=2, null=True, blank=True)
    multi_year_budget = models.BooleanField(_("budget pluriannuel"), default=False)
    budget_year = models.PositiveSmallIntegerField(_("année budgétaire"), null=True, blank=True)
    done_on = models.DateField(_("réalisée le"), null=True, blank=True)
    closing_reason = models.TextField(_("motif de clôture"), blank=True)
    duplicate_of = models.ForeignKey(
        "self",
        verbose_name=_("doublon de"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="duplicates",
    )

    # Life
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("saisie par"),
        on_delete=models.PROTECT,
        related_name="created_requests",
    )
    created_at = models.DateTimeField(_("saisie le"), db_index=True)
    updated_at = models.DateTimeField(_("modifiée le"), auto_now=True)
    closed_at = models.DateTimeField(_("close le"), null=True, blank=True)
    is_archived = models.BooleanField(_("archivée"), default=False)
    archived_at = models.DateTimeField(_("archivée le"), null=True, blank=True)
    # Set when the requester's personal data was erased (retention rule or on request).
    anonymised_at = models.DateTimeField(_("anonymisée le"), null=True, blank=True)
    # Optimistic locking: a save carries the version it read; a stale one is refused.
    version = models.PositiveIntegerField(default=1, editable=False)
    # The timeline's notes, gathered for the word search (event_record appends to them);
    # internal ones apart, since élus may not search what they may not read.
    search_notes = models.TextField(editable=False, blank=True, default="")
    search_internal_notes = models.TextField(editable=False, blank=True, default="")
    # Milestones the delay statistics read, copied from the timeline (which stays the
    # source) by the services that record them, so that a million requests' delays are an
    # index read rather than a grouping of their events and answers. Whole days, as the
    # delays are counted: the local date of the first instruction event, the date of the
    # earliest answer.
    first_instructed_on = models.DateField(_("première instruction le"), null=True, editable=False)
    first_answered_on = models.DateField(_("première réponse le"), null=True, editable=False)

    class Meta:
        verbose_name = _("demande")
        verbose_name_plural = _("demandes")
        ordering = ["-created_at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["year", "number"], name="request_unique_year_number")]
        indexes = [
            # The sortable columns of the lists, walked either way by the keyset pages (the
            # reference's is the (year, number) unique constraint's); filtered lists use the
            # foreign keys' indexes. No index starts with is_archived: PostgreSQL would build a
            # bitmap of half the table from it, and the word search was slower for it.
            models.Index(fields=["-created_at", "-id"], name="request_recent_idx"),
            models.Index(fields=["-received_on", "-id"], name="request_received_sort_idx"),
            models.Index(DUE_KEY, F("id"), name="request_due_sort_idx"),
            models.Index(fields=["due_on"], name="request_due_idx"),
            models.Index(fields=["closed_at"], name="request_closed_idx"),
            models.Index(fields=["received_on"], name="request_received_idx"),
            # The central dashboard's « réponse à faire »: latest work done first.
            # Partial: without it, a descending scan walks every NULL (not done) row first.
            models.Index(
                fields=["-done_on", "-id"], name="request_done_idx", condition=models.Q(done_on__isnull=False)
            ),
            # The retention rule's « archived before the cutoff » (nightly, and counted on the
            # privacy page): the archived rows only.
            models.Index(fields=["archived_at"], name="request_archived_idx", condition=models.Q(is_archived=True)),
        ]

    def __str__(self) -> str:
        return f"{self.reference} – {self.subject}"

    def get_absolute_url(self) -> str:
        return reverse("casework:request-detail", kwargs={"reference": self.reference})

    def clean(self) -> None:
        # Rules every write path shares (forms, services, the future API), not only the forms.
        errors = {}
        stripped = (self.subject or "").strip()
        if self.subject and not stripped:  # an empty one is already refused as blank
            errors["subject"] = _("Indiquez l'objet de la demande.")
        self.subject = stripped
        if self.instructing_service_id and not self.instructing_service.can_instruct:
            errors["instructing_service"] = _("Ce service n'instruit pas les demandes.")
        if self.executing_service_id and not self.executing_service.can_execute:
            errors["executing_service"] = _("Ce service n'exécute pas les demandes.")
        if errors:
            raise ValidationError(errors)

    @property
    def requester_name(self) -> str:
        return " ".join(
            p for p in (self.get_requester_civility_display(), self.requester_first_name, self.requester_last_name) if p
        )

    @property
    def place(self) -> str:
        """Where the problem is: its own address, or the requester's."""
        return self.location_address or self.requester_address


class EventKind(models.TextChoices):
    CREATED = "created", _("Création")
    ASSIGNED = "assigned", _("Affectation")
    STATE_CHANGED = "state_changed", _("Changement d'état")
    EDITED = "edited", _("Modification")
    INSTRUCTION = "instruction", _("Instruction")
    EXECUTION = "execution", _("Exécution")
    COMMENT = "comment", _("Commentaire")
    REMINDER = "reminder", _("Relance")
    ANSWER = "answer", _("Réponse à l'usager")
    CLOSED = "closed", _("Clôture")
    DUPLICATE = "duplicate", _("Doublon")
    ATTACHMENT = "attachment", _("Pièce jointe")
    ARCHIVED = "archived", _("Archivage")
    REACTIVATED = "reactivated", _("Réactivation")
    ANONYMISED = "anonymised", _("Anonymisation")


class AnswerChannel(models.TextChoices):
    LETTER = "letter", _("Courrier")
    EMAIL = "email", _("E-mail")
    PHONE = "phone", _("Téléphone")
    IN_PERSON = "in_person", _("En main propre")


class AppendOnlyError(Exception):
    pass


class RequestEvent(models.Model):
    """One line of a request's timeline. Written only by ``events.event_record``; never changed."""

    service_request = models.ForeignKey(
        ServiceRequest, verbose_name=_("demande"), on_delete=models.CASCADE, related_name="events"
    )
    kind = models.CharField(_("type"), max_length=20, choices=EventKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("auteur"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("date"))
    note = models.TextField(_("note"), blank=True)
    # What changed: {"field": {"label": ..., "before": ..., "after": ...}}
    changes = models.JSONField(_("changements"), default=dict, blank=True)
    is_internal = models.BooleanField(_("interne"), default=False)

    class Meta:
        verbose_name = _("événement")
        verbose_name_plural = _("événements")
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["service_request", "created_at"], name="event_request_time_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} – {self.created_at:%d/%m/%Y %H:%M}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not kwargs.get("force_insert"):
            raise AppendOnlyError("Timeline events are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("Timeline events are append-only.")

    def change_rows(self) -> list[dict]:
        """The changes with field labels in the reader's language (stored labels are a fallback)."""
        rows = []
        for name, change in self.changes.items():
            try:
                label = ServiceRequest._meta.get_field(name).verbose_name
            except (FieldDoesNotExist, AttributeError):  # not a field, or a reverse relation
                label = change.get("label", name)
            rows.append(
                {"label": label, "before": _readable(change.get("before")), "after": _readable(change.get("after"))}
            )
        return rows


ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _readable(value) -> str:
    """Dates are stored as ISO text (language-neutral); they read in the reader's format."""
    if isinstance(value, str) and ISO_DATE.match(value):
        try:
            return date_format(date.fromisoformat(value), "SHORT_DATE_FORMAT")
        except ValueError:
            return value
    return "" if value is None else value


class Answer(models.Model):
    """An answer given to the citizen (réponse à l'usager): a record, whatever the channel."""

    class DeliveryStatus(models.TextChoices):
        NOT_APPLICABLE = "", _("—")
        PENDING = "pending", _("En attente d'envoi")
        SENT = "sent", _("Envoyé")
        FAILED = "failed", _("Échec de l'envoi")

    service_request = models.ForeignKey(
        ServiceRequest, verbose_name=_("demande"), on_delete=models.CASCADE, related_name="answers"
    )
    channel = models.CharField(_("canal"), max_length=10, choices=AnswerChannel.choices)
    answered_on = models.DateField(_("date de la réponse"))
    recipient_email = models.EmailField(_("destinataire"), blank=True)
    subject = models.CharField(_("objet"), max_length=200, blank=True)
    text = models.TextField(_("texte"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("auteur"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("saisie le"), auto_now_add=True)
    # An e-mail answer is sent through the outbox like every other mail: its row says
    # whether it went out, with the error and the retries.
    outbox_message = models.OneToOneField(
        "notifications.OutboxMessage",
        verbose_name=_("courriel"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="answer",
    )

    class Meta:
        verbose_name = _("réponse à l'usager")
        verbose_name_plural = _("réponses à l'usager")
        ordering = ["answered_on", "pk"]
        indexes = [models.Index(fields=["service_request", "answered_on"], name="answer_request_date_idx")]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} – {self.answered_on:%d/%m/%Y}"

    @property
    def delivery_status(self) -> str:
        """Where the e-mail stands; an e-mail answer without an outbox row was recorded as
        already sent (imported history), any other channel has nothing to deliver."""
        if self.channel != AnswerChannel.EMAIL:
            return self.DeliveryStatus.NOT_APPLICABLE
        status = self.outbox_message.status if self.outbox_message_id else OutboxMessage.Status.SENT
        return {
            OutboxMessage.Status.SENT: self.DeliveryStatus.SENT,
            OutboxMessage.Status.FAILED: self.DeliveryStatus.FAILED,
        }.get(status, self.DeliveryStatus.PENDING)

    @property
    def delivery_status_label(self) -> str:
        return self.DeliveryStatus(self.delivery_status).label

    @property
    def delivery_error(self) -> str:
        """The last SMTP error while the mail is not delivered (retries may still succeed)."""
        if not self.outbox_message_id or self.outbox_message.status == OutboxMessage.Status.SENT:
            return ""
        return self.outbox_message.last_error


class Reminder(models.Model):
    """A reminder (relance) sent to a service about one request, by hand or by the schedule."""

    service_request = models.ForeignKey(
        ServiceRequest, verbose_name=_("demande"), on_delete=models.CASCADE, related_name="reminders"
    )
    service = models.ForeignKey(
        "directory.Service", verbose_name=_("service"), on_delete=models.PROTECT, related_name="reminders"
    )
    message = models.TextField(_("message"), blank=True)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("envoyée par"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    sent_at = models.DateTimeField(_("envoyée le"))
    is_automatic = models.BooleanField(_("automatique"), default=False)

    class Meta:
        verbose_name = _("relance")
        verbose_name_plural = _("relances")
        ordering = ["sent_at", "pk"]
        indexes = [models.Index(fields=["service_request", "service"], name="reminder_request_service_idx")]

    def __str__(self) -> str:
        return f"{self.service} – {self.sent_at:%d/%m/%Y}"


def attachment_path(instance: "Attachment", filename: str) -> str:
    # Never the citizen's file name on disk: a random name per file, grouped by year.
    return f"attachments/{timezone.now():%Y}/{uuid.uuid4().hex}"


class Attachment(models.Model):
    """A photo, a scanned letter or a PDF, on a request or on one of its timeline entries.

    Files live in MEDIA_ROOT, outside the web root; ``attachments`` views serve them
    after the request's access check.
    """

    service_request = models.ForeignKey(
        ServiceRequest, verbose_name=_("demande"), on_delete=models.CASCADE, related_name="attachments"
    )
    event = models.ForeignKey(
        RequestEvent,
        verbose_name=_("entrée de l'historique"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="attachments",
    )
    file = models.FileField(_("fichier"), upload_to=attachment_path, max_length=255)
    original_name = models.CharField(_("nom du fichier"), max_length=255)
    content_type = models.CharField(_("type"), max_length=100)
    size = models.PositiveBigIntegerField(_("taille (octets)"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("déposé par"), on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("déposé le"), auto_now_add=True)
    is_internal = models.BooleanField(_("interne"), default=False)

    class Meta:
        verbose_name = _("pièce jointe")
        verbose_name_plural = _("pièces jointes")
        ordering = ["uploaded_at", "pk"]

    def __str__(self) -> str:
        return self.original_name


class SavedSearch(models.Model):
    """A list or search its owner named, to find again on their dashboard. Only the query
    is kept: the requests shown are always those the owner may see at the time."""

    class Target(models.TextChoices):
        LIVE = "live", _("Demandes")
        ARCHIVES = "archives", _("Archives")
        SEARCH = "search", _("Recherche avancée")

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("propriétaire"),
        on_delete=models.CASCADE,
        related_name="saved_searches",
    )
    name = models.CharField(_("nom"), max_length=80)
    target = models.CharField(_("liste"), max_length=10, choices=Target.choices, default=Target.LIVE)
    query = models.CharField(_("critères"), max_length=2000, blank=True)
    created_at = models.DateTimeField(_("créée le"), auto_now_add=True)

    class Meta:
        verbose_name = _("recherche enregistrée")
        verbose_name_plural = _("recherches enregistrées")
        ordering = ["name", "pk"]
        constraints = [models.UniqueConstraint(fields=["owner", "name"], name="saved_search_owner_name_unique")]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        path = {
            self.Target.LIVE: reverse("casework:request-list"),
            self.Target.ARCHIVES: reverse("archive-list"),
            self.Target.SEARCH: reverse("casework:request-search"),
        }[self.Target(self.target)]
        return f"{path}?{self.query}" if self.query else path
