"""The request (demande) and its append-only timeline."""

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from eusp.directory.models import FINISHED_PHASES


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
    # Optimistic locking: a save carries the version it read; a stale one is refused.
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        verbose_name = _("demande")
        verbose_name_plural = _("demandes")
        ordering = ["-created_at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["year", "number"], name="request_unique_year_number")]
        indexes = [
            # The default list: live requests, newest first; filtered lists use the FK indexes.
            models.Index(fields=["is_archived", "-created_at", "-id"], name="request_live_recent_idx"),
            models.Index(fields=["-created_at", "-id"], name="request_recent_idx"),
            models.Index(fields=["due_on"], name="request_due_idx"),
            models.Index(fields=["received_on"], name="request_received_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.reference} – {self.subject}"

    def get_absolute_url(self) -> str:
        return reverse("casework:request-detail", kwargs={"reference": self.reference})

    @property
    def requester_name(self) -> str:
        return " ".join(
            p for p in (self.get_requester_civility_display(), self.requester_first_name, self.requester_last_name) if p
        )

    @property
    def place(self) -> str:
        """Where the problem is: its own address, or the requester's."""
        return self.location_address or self.requester_address

    @property
    def is_finished(self) -> bool:
        return self.state.phase in FINISHED_PHASES


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
    ARCHIVED = "archived", _("Archivage")
    REACTIVATED = "reactivated", _("Réactivation")


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
            except FieldDoesNotExist:
                label = change.get("label", name)
            rows.append({"label": label, "before": change.get("before", ""), "after": change.get("after", "")})
        return rows
