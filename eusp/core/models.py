from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ReferenceData(models.Model):
    """Base of editable reference lists: ordered, renamable, deactivated rather than deleted."""

    position = models.PositiveSmallIntegerField(_("ordre"), default=0)
    is_active = models.BooleanField(_("actif"), default=True)

    class Meta:
        abstract = True
        ordering = ["position", "pk"]


class NamedReferenceData(ReferenceData):
    name = models.CharField(_("nom"), max_length=120, unique=True)

    class Meta(ReferenceData.Meta):
        abstract = True

    def __str__(self) -> str:
        return self.name


class JobRun(models.Model):
    """One run of a daily job (reminders, digests) on one day: the row claims the day, so
    several worker machines run it once, and a run whose worker died is taken over."""

    job = models.CharField(_("tâche"), max_length=50)
    day = models.DateField(_("jour"))
    started_at = models.DateTimeField(_("commencée le"), default=timezone.now)
    finished_at = models.DateTimeField(_("terminée le"), null=True, blank=True)
    claimed_by = models.CharField(_("prise par"), max_length=128, blank=True)
    outcome = models.TextField(_("résultat"), blank=True)

    class Meta:
        verbose_name = _("exécution de tâche quotidienne")
        verbose_name_plural = _("exécutions de tâches quotidiennes")
        constraints = [models.UniqueConstraint(fields=["job", "day"], name="jobrun_job_day_unique")]

    def __str__(self) -> str:
        return f"{self.job} {self.day:%d/%m/%Y}"
