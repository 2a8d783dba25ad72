import uuid

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ExportJob(models.Model):
    """A spreadsheet too large to build during the request, built by the worker for the
    user who asked, kept a day (``EUSP_EXPORT_KEEP_HOURS``) in private storage."""

    class Status(models.TextChoices):
        PENDING = "pending", _("En attente")
        RUNNING = "running", _("En préparation")
        DONE = "done", _("Prêt")
        FAILED = "failed", _("Échec")

    # The address of the job's pages: unguessable, though the owner check is what protects it.
    token = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("demandé par"), on_delete=models.CASCADE, related_name="+"
    )
    fmt = models.CharField(_("format"), max_length=4)
    # The list's query string: the rows are those the owner may see when the worker runs.
    query = models.TextField(_("critères"), blank=True)
    language = models.CharField(_("langue"), max_length=10, blank=True)  # of the headers
    status = models.CharField(_("état"), max_length=8, choices=Status.choices, default=Status.PENDING)
    file = models.FileField(_("fichier"), upload_to="exports/", max_length=255, blank=True)
    rows = models.PositiveIntegerField(_("lignes"), null=True, blank=True)
    truncated = models.BooleanField(_("tronqué"), default=False)
    error = models.TextField(_("erreur"), blank=True)
    created_at = models.DateTimeField(_("demandé le"), default=timezone.now, db_index=True)
    finished_at = models.DateTimeField(_("terminé le"), null=True, blank=True)

    class Meta:
        verbose_name = _("export en préparation")
        verbose_name_plural = _("exports en préparation")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.fmt} {self.created_at:%d/%m/%Y %H:%M}"

    def get_absolute_url(self) -> str:
        return reverse("export-job", kwargs={"token": self.token})

    @property
    def filename(self) -> str:
        return f"demandes-{timezone.localdate(self.created_at):%Y-%m-%d}.{self.fmt}"

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)
