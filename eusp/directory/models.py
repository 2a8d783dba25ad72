"""Reference data the central service maintains: origins, quartiers, services,
categories, states and priorities."""

import re

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import models
from django.utils.translation import gettext_lazy as _

from eusp.core.models import NamedReferenceData, ReferenceData


class Origin(NamedReferenceData):
    """How a request reached the city (courrier, N° Vert, conseil de quartier…)."""

    class Meta(NamedReferenceData.Meta):
        verbose_name = _("origine")
        verbose_name_plural = _("origines")


class District(NamedReferenceData):
    """A quartier of the city."""

    code = models.CharField(_("code"), max_length=20, blank=True)

    class Meta(NamedReferenceData.Meta):
        verbose_name = _("quartier")
        verbose_name_plural = _("quartiers")


EMAIL_SEPARATORS = re.compile(r"[\s,;]+")


def email_list(text: str) -> list[str]:
    """Addresses separated by commas, semicolons, spaces or new lines, in their order, once."""
    return list(dict.fromkeys(address for address in EMAIL_SEPARATORS.split(text or "") if address))


def validate_email_list(text: str) -> None:
    wrong = []
    for address in email_list(text):
        try:
            validate_email(address)
        except ValidationError:
            wrong.append(address)
    if wrong:
        raise ValidationError(
            _("Adresse e-mail non valide : %(addresses)s. Séparez les adresses par des virgules."),
            params={"addresses": ", ".join(wrong)},
        )


class Service(NamedReferenceData):
    """A municipal service that instructs and/or carries out requests."""

    class Kind(models.TextChoices):
        INSTRUCTING = "instructing", _("Instructeur")
        EXECUTING = "executing", _("Exécution")
        BOTH = "both", _("Instructeur et exécution")

    # One or several shared mailboxes (« voirie@…, astreinte@… »), reached when no member is.
    email = models.CharField(_("adresses e-mail"), max_length=500, blank=True, validators=[validate_email_list])
    kind = models.CharField(_("rôle"), max_length=12, choices=Kind.choices, default=Kind.BOTH)

    class Meta(NamedReferenceData.Meta):
        verbose_name = _("service")
        verbose_name_plural = _("services")

    @property
    def email_addresses(self) -> list[str]:
        return email_list(self.email)

    @property
    def can_instruct(self) -> bool:
        return self.kind in (self.Kind.INSTRUCTING, self.Kind.BOTH)

    @property
    def can_execute(self) -> bool:
        return self.kind in (self.Kind.EXECUTING, self.Kind.BOTH)


class Category(NamedReferenceData):
    """Category (theme) of a request; proposes the services that usually handle it."""

    theme = models.CharField(_("thème"), max_length=120, blank=True)
    default_instructing_service = models.ForeignKey(
        Service,
        verbose_name=_("service instructeur par défaut"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    default_executing_service = models.ForeignKey(
        Service,
        verbose_name=_("service exécution par défaut"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    default_delay_days = models.PositiveSmallIntegerField(_("délai par défaut (jours ouvrés)"), null=True, blank=True)

    class Meta(NamedReferenceData.Meta):
        verbose_name = _("catégorie")
        verbose_name_plural = _("catégories")


class Phase(models.TextChoices):
    """Fixed meaning under a city's own state names; logic and statistics use it."""

    OPEN = "open", _("Ouverte")
    IN_PROGRESS = "in_progress", _("En cours")
    WAITING = "waiting", _("En attente")
    DONE = "done", _("Réalisée")
    CLOSED = "closed", _("Close sans suite")


ACTIVE_PHASES = (Phase.OPEN, Phase.IN_PROGRESS, Phase.WAITING)
FINISHED_PHASES = (Phase.DONE, Phase.CLOSED)


class State(ReferenceData):
    """A city-named state (« à suivre », « budget pluriannuel »…) over a fixed phase."""

    label = models.CharField(_("libellé"), max_length=80, unique=True)
    phase = models.CharField(_("phase"), max_length=12, choices=Phase.choices)
    colour = models.CharField(
        _("couleur"), max_length=7, default="#5a5a5a", help_text=_("Code hexadécimal, ex. #1f6feb")
    )
    is_initial = models.BooleanField(
        _("état initial"), default=False, help_text=_("État donné aux nouvelles demandes.")
    )

    class Meta(ReferenceData.Meta):
        verbose_name = _("état")
        verbose_name_plural = _("états")
        constraints = [
            models.UniqueConstraint(
                fields=["is_initial"], condition=models.Q(is_initial=True), name="state_single_initial"
            )
        ]

    def __str__(self) -> str:
        return self.label


class Priority(ReferenceData):
    label = models.CharField(_("libellé"), max_length=40, unique=True)
    is_default = models.BooleanField(_("par défaut"), default=False)

    class Meta(ReferenceData.Meta):
        verbose_name = _("priorité")
        verbose_name_plural = _("priorités")
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"], condition=models.Q(is_default=True), name="priority_single_default"
            )
        ]

    def __str__(self) -> str:
        return self.label


class AnswerTemplate(NamedReferenceData):
    """A model answer to the citizen, with placeholders such as {reference} or {nom}."""

    subject = models.CharField(_("objet"), max_length=200, blank=True)
    body = models.TextField(_("texte"))

    class Meta(NamedReferenceData.Meta):
        verbose_name = _("modèle de réponse")
        verbose_name_plural = _("modèles de réponse")
