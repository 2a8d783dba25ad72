"""The record of administrative changes: who changed what, when, from what to what."""

from django.apps import apps
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


def target_type_label(target_type: str) -> str:
    """« Utilisateurs », « Origines »…: the plural name of the model a change was made to."""
    try:
        return str(apps.get_model(target_type)._meta.verbose_name_plural).capitalize()
    except (LookupError, ValueError):
        return target_type


class AdminChange(models.Model):
    """One administrative change. Written only by ``audit.audit_record``; never changed."""

    class Action(models.TextChoices):
        CREATED = "created", _("Création")
        UPDATED = "updated", _("Modification")
        DEACTIVATED = "deactivated", _("Désactivation")
        REACTIVATED = "reactivated", _("Réactivation")
        MERGED = "merged", _("Fusion")
        DELETED = "deleted", _("Suppression")
        REORDERED = "reordered", _("Changement d'ordre")
        RESET_LINK = "reset_link", _("Lien de mot de passe envoyé")
        TWO_FACTOR_RESET = "two_factor_reset", _("Double authentification réinitialisée")
        ACCESS_EXPORT = "access_export", _("Export du droit d'accès")
        ERASED = "erased", _("Effacement des données personnelles")
        RETENTION = "retention", _("Application de la durée de conservation")

    at = models.DateTimeField(_("date"), auto_now_add=True, db_index=True)
    # Null for the worker's own changes (the retention rule).
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("auteur"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    action = models.CharField(_("action"), max_length=20, choices=Action.choices)
    # "app_label.model" and the primary key, so the history of one entry can be listed.
    target_type = models.CharField(_("type d'objet"), max_length=60)
    target_id = models.CharField(_("identifiant"), max_length=40, blank=True)
    target_label = models.CharField(_("objet"), max_length=255)
    # {"field": {"label": ..., "before": ..., "after": ...}}, values as readable text.
    changes = models.JSONField(_("changements"), default=dict, blank=True)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("changement administratif")
        verbose_name_plural = _("changements administratifs")
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["target_type", "target_id", "at"], name="adminchange_target_idx")]

    def __str__(self) -> str:
        return f"{self.get_action_display()} – {self.target_label}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not kwargs.get("force_insert"):
            raise ValueError("Administrative changes are append-only.")
        super().save(*args, **kwargs)

    @property
    def type_label(self) -> str:
        return target_type_label(self.target_type)
