from django.db import models
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
