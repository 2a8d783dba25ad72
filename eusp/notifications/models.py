from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Upper
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class OutboxMessage(models.Model):
    """One e-mail to one recipient, written in the transaction of the event that causes it.

    One row per recipient: a refused address fails, is retried and is resent alone,
    and the others are not sent twice."""

    class Kind(models.TextChoices):
        ALERT = "alert", _("Alerte")
        REMINDER = "reminder", _("Relance")
        ANSWER = "answer", _("Réponse")
        DIGEST = "digest", _("Récapitulatif")
        OTHER = "other", _("Autre")

    class Status(models.TextChoices):
        PENDING = "pending", _("En attente")
        SENDING = "sending", _("En cours d'envoi")
        SENT = "sent", _("Envoyé")
        FAILED = "failed", _("Échec")
        # Its recipient was deactivated before it left: never sent, never resent.
        CANCELLED = "cancelled", _("Annulé")

    kind = models.CharField(_("type"), max_length=16, choices=Kind.choices, default=Kind.OTHER)
    to = models.EmailField(_("destinataire"), max_length=254)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("utilisateur destinataire"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="outbox_messages",
    )
    service_request = models.ForeignKey(
        "casework.ServiceRequest",
        verbose_name=_("demande"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="outbox_messages",
    )
    subject = models.CharField(_("objet"), max_length=255)
    body_text = models.TextField(_("texte"))
    body_html = models.TextField(_("HTML"), blank=True)
    status = models.CharField(_("état"), max_length=16, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(_("tentatives"), default=0)
    next_attempt_at = models.DateTimeField(_("prochaine tentative"), default=timezone.now)
    last_error = models.TextField(_("dernière erreur"), blank=True)
    created_at = models.DateTimeField(_("créé le"), default=timezone.now)
    sent_at = models.DateTimeField(_("envoyé le"), null=True, blank=True)
    # Who holds a "sending" row and since when: a claim older than
    # EUSP_MAIL_CLAIM_TIMEOUT_SECONDS is a crashed worker's, and the row is due again.
    claimed_by = models.CharField(_("pris par"), max_length=128, blank=True)
    claimed_at = models.DateTimeField(_("pris le"), null=True, blank=True)
    # « Renvoyer une copie » of a sent mail: the copy is a new row, the original stays.
    copy_of = models.ForeignKey(
        "self", verbose_name=_("copie de"), on_delete=models.PROTECT, null=True, blank=True, related_name="copies"
    )
    # For scheduled mail: the same key to the same address is written once only.
    dedupe_key = models.CharField(_("clé d'unicité"), max_length=200, null=True, blank=True)

    class Meta:
        verbose_name = _("courriel")
        verbose_name_plural = _("courriels")
        constraints = [
            models.UniqueConstraint(
                fields=["dedupe_key", "to"],
                condition=Q(dedupe_key__isnull=False),
                name="outbox_dedupe_key_to_unique",
            ),
        ]
        indexes = [
            # The worker: due pending rows, and stale "sending" claims.
            models.Index(fields=["status", "next_attempt_at"], name="outbox_status_due_idx"),
            # The admin listing, newest first, with or without a status filter.
            models.Index(fields=["status", "-created_at"], name="outbox_status_created_idx"),
            models.Index(fields=["-created_at"], name="outbox_created_idx"),
            # The mail page's search by address (case-insensitive: UPPER(to) = UPPER(…)).
            models.Index(Upper("to"), name="outbox_to_upper_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} → {self.to} : {self.subject}"


class DigestEntry(models.Model):
    """An alert kept for the daily digest of a user who chose one, instead of its own mail.

    Written in the transaction of the event, like an outbox row; the digest job gathers
    a user's pending entries into one outbox mail and links them to it, in one
    transaction, so an entry is in one digest only."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("destinataire"), on_delete=models.CASCADE, related_name="+"
    )
    service_request = models.ForeignKey(
        "casework.ServiceRequest",
        verbose_name=_("demande"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    kind = models.CharField(_("type"), max_length=16, choices=OutboxMessage.Kind.choices)
    subject = models.CharField(_("objet"), max_length=255)
    created_at = models.DateTimeField(_("créé le"), default=timezone.now)
    digest = models.ForeignKey(
        OutboxMessage,
        verbose_name=_("récapitulatif"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="entries",
    )
    dedupe_key = models.CharField(_("clé d'unicité"), max_length=200, null=True, blank=True)

    class Meta:
        verbose_name = _("alerte en attente de récapitulatif")
        verbose_name_plural = _("alertes en attente de récapitulatif")
        constraints = [
            models.UniqueConstraint(
                fields=["dedupe_key", "recipient"],
                condition=Q(dedupe_key__isnull=False),
                name="digest_dedupe_key_recipient_unique",
            ),
        ]
        indexes = [
            # The digest job: who has entries waiting, oldest first.
            models.Index(
                fields=["recipient", "created_at"], condition=Q(digest__isnull=True), name="digest_pending_idx"
            ),
        ]

    def __str__(self) -> str:
        return self.subject


def mail_to_requester(prefix: str = "") -> models.Q:
    """Mail to a citizen (an answer): the only mail with no user as its recipient.
    ``prefix`` reaches the mail from another model (``"outbox_messages__"``)."""
    return models.Q(**{f"{prefix}recipient__isnull": True, f"{prefix}kind": OutboxMessage.Kind.ANSWER})
