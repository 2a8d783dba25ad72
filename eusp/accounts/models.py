from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models.functions import Lower
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _


class Profile(models.TextChoices):
    CENTRAL = "central", _("Service centralisateur")
    ELECTED = "elected", _("Élu")
    AGENT = "agent", _("Agent de service")


class AlertMode(models.TextChoices):
    IMMEDIATE = "immediate", _("Chaque alerte dès qu'elle survient")
    DIGEST = "digest", _("Un récapitulatif par jour")


class User(AbstractUser):
    """A person who logs in. Exactly one profile; agents belong to one or more services."""

    profile = models.CharField(_("profil"), max_length=10, choices=Profile.choices, default=Profile.AGENT)
    services = models.ManyToManyField(
        "directory.Service", verbose_name=_("services"), blank=True, related_name="members"
    )
    # An élu's quartiers: they become the referent official of new requests located there.
    districts = models.ManyToManyField(
        "directory.District", verbose_name=_("quartiers de l'élu"), blank=True, related_name="elected_officials"
    )
    phone = models.CharField(_("téléphone"), max_length=30, blank=True)
    job_title = models.CharField(_("fonction"), max_length=120, blank=True)
    alert_mode = models.CharField(
        _("alertes par e-mail"), max_length=10, choices=AlertMode.choices, default=AlertMode.IMMEDIATE
    )

    class Meta(AbstractUser.Meta):
        verbose_name = _("utilisateur")
        verbose_name_plural = _("utilisateurs")
        ordering = ["last_name", "first_name", "username"]
        # One login and one address per person whatever the case (« c.durand » is « C.Durand »),
        # held by the database so that two creations at the same moment cannot both succeed.
        # Accounts without an address are many. The forms check first, with messages on the field.
        constraints = [
            models.UniqueConstraint(
                Lower("username"),
                name="user_username_lower_unique",
                violation_error_message=_("Cet identifiant est déjà pris (les majuscules ne comptent pas)."),
            ),
            models.UniqueConstraint(
                Lower("email"),
                condition=~models.Q(email=""),
                name="user_email_lower_unique",
                violation_error_message=_("Cette adresse e-mail est déjà celle d'un autre utilisateur."),
            ),
        ]

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    @property
    def is_central(self) -> bool:
        return self.profile == Profile.CENTRAL

    @property
    def is_elected(self) -> bool:
        return self.profile == Profile.ELECTED

    @property
    def is_agent(self) -> bool:
        return self.profile == Profile.AGENT

    @cached_property
    def service_ids(self) -> frozenset[int]:
        """The agent's services, read once per request cycle (permissions use it for every row)."""
        return frozenset(self.services.values_list("pk", flat=True))
