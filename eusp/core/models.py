from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
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


# Initial values of the city's settings come from the environment (README).
def _default_city_name() -> str:
    from django.conf import settings

    return settings.EUSP_CITY_NAME


def _default_reminder_first_after_days() -> int:
    from django.conf import settings

    return settings.EUSP_REMINDER_FIRST_AFTER_DAYS


def _default_reminder_every_days() -> int:
    from django.conf import settings

    return settings.EUSP_REMINDER_EVERY_DAYS


def _default_reminder_max() -> int:
    from django.conf import settings

    return settings.EUSP_REMINDER_MAX


def _default_upload_max_mb() -> int:
    from django.conf import settings

    return max(1, settings.EUSP_UPLOAD_MAX_BYTES // (1024 * 1024))


def validate_single_line(value: str) -> None:
    """No control character: these values go into mail headers and page titles."""
    if any(ord(character) < 32 or ord(character) == 127 for character in value):
        raise ValidationError(_("Saisissez ce texte sur une seule ligne."))


# Monday = 0 … Sunday = 6, each at most once; at least one day.
validate_weekdays = RegexValidator(r"^(?!.*(.).*\1)[0-6]{1,7}$", _("Choisissez au moins un jour travaillé."))


class CitySettings(models.Model):
    """The settings the central service edits in /administration/parametres/ (one row).

    Read through ``eusp.core.city_settings.city_settings()``, never directly.
    """

    city_name = models.CharField(
        _("nom de la collectivité"), max_length=120, default=_default_city_name, validators=[validate_single_line]
    )
    letterhead = models.TextField(
        _("en-tête des courriers"),
        blank=True,
        help_text=_("Lignes imprimées en haut des lettres : adresse de la mairie, téléphone, site…"),
    )
    signature = models.TextField(_("signature des courriers"), blank=True, help_text=_("Ex. : Le Maire, Jean Dupont"))
    sender_name = models.CharField(
        _("nom de l'expéditeur des courriels"), max_length=120, blank=True, validators=[validate_single_line]
    )
    sender_email = models.EmailField(
        _("adresse d'expédition des courriels"),
        blank=True,
        help_text=_("Vide : l'adresse de la configuration du serveur (DEFAULT_FROM_EMAIL)."),
    )
    reminder_first_after_days = models.PositiveSmallIntegerField(
        _("première relance automatique après (jours ouvrés)"), default=_default_reminder_first_after_days
    )
    reminder_every_days = models.PositiveSmallIntegerField(
        _("relances suivantes tous les (jours ouvrés)"), default=_default_reminder_every_days
    )
    reminder_max = models.PositiveSmallIntegerField(
        _("nombre maximal de relances automatiques par service"), default=_default_reminder_max
    )
    # Monday = 0 … Sunday = 6, as Python counts them; public holidays are never worked.
    working_weekdays = models.CharField(
        _("jours travaillés"), max_length=7, default="01234", validators=[validate_weekdays]
    )
    upload_max_mb = models.PositiveSmallIntegerField(
        _("taille maximale d'une pièce jointe (Mo)"), default=_default_upload_max_mb
    )
    retention_months = models.PositiveSmallIntegerField(
        _("durée de conservation des données personnelles (mois après l'archivage)"), default=36
    )
    totp_required_for_central = models.BooleanField(
        _("double authentification obligatoire pour le service centralisateur"), default=False
    )
    updated_at = models.DateTimeField(_("modifiés le"), auto_now=True)

    class Meta:
        verbose_name = _("paramètres de la collectivité")
        verbose_name_plural = _("paramètres de la collectivité")

    def __str__(self) -> str:
        return self.city_name

    def save(self, *args, **kwargs):
        from .city_settings import city_settings_forget

        super().save(*args, **kwargs)
        city_settings_forget()

    @property
    def upload_max_bytes(self) -> int:
        return self.upload_max_mb * 1024 * 1024

    @property
    def working_weekday_numbers(self) -> frozenset[int]:
        return frozenset(int(day) for day in self.working_weekdays if day.isdigit())
