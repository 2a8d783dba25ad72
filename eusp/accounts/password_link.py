"""The link by which a user chooses their password: sent when the account is created, on the
central service's demand, and from « Mot de passe oublié ? ».

Django's own token: it stops working once used (the password changes), after the user
logs in, after PASSWORD_RESET_TIMEOUT, and for a deactivated account (the page checks).
"""

from datetime import timedelta

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from eusp.administration.audit import Action, audit_record
from eusp.administration.models import AdminChange
from eusp.casework.permissions import can_administer
from eusp.core.city_settings import city_settings
from eusp.notifications.models import OutboxMessage
from eusp.notifications.outbox import outbox_enqueue

from .models import User

# « Mot de passe oublié ? » sends a user at most one link per this interval, whoever asks.
FORGOTTEN_MIN_INTERVAL = timedelta(minutes=5)


def password_link_url(user: User) -> str:
    uidb64 = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    path = reverse("accounts:password-set", kwargs={"uidb64": uidb64, "token": token})
    return settings.EUSP_SITE_URL.rstrip("/") + path


def password_link_valid_days() -> int:
    return max(1, round(settings.PASSWORD_RESET_TIMEOUT / 86400))


@transaction.atomic
def password_link_send(user: User, *, actor: User | None = None, note: str = "") -> OutboxMessage:
    """Queue the mail with the link, in the caller's transaction, and record that it was sent.

    ``actor`` is the central service member who asked; None when the user asked
    themself (« Mot de passe oublié ? »).
    """
    if actor is not None and not can_administer(actor):
        raise PermissionDenied
    if not user.is_active:
        raise ValidationError(_("Ce compte est désactivé : réactivez-le avant d'envoyer un lien de mot de passe."))
    if not user.email:
        raise ValidationError(_("Ce compte n'a pas d'adresse e-mail : ajoutez-en une avant d'envoyer le lien."))
    first_time = not user.has_usable_password()
    with translation.override(settings.LANGUAGE_CODE):
        city_name = city_settings().city_name
        context = {
            "user": user,
            "link": password_link_url(user),
            "days": password_link_valid_days(),
            "first_time": first_time,
            "self_service": actor is None,
            "city": city_name,
        }
        if first_time:
            subject = _("e-USP %(city)s : choisissez votre mot de passe") % {"city": city_name}
        else:
            subject = _("e-USP %(city)s : nouveau mot de passe") % {"city": city_name}
        text = render_to_string("accounts/password_link_email.txt", context)
    message = outbox_enqueue(
        to=user.email,
        subject=" ".join(subject.split()),
        text=text,
        kind=OutboxMessage.Kind.OTHER,
        recipient=user,
    )
    if note == "":
        note = _("Envoyé à %(email)s.") % {"email": user.email}
    audit_record(actor, Action.RESET_LINK, user, note=note)
    return message


def password_link_recently_sent(user: User) -> bool:
    """A link already went to this user within FORGOTTEN_MIN_INTERVAL (read from the audit
    records, so that every app server agrees)."""
    return AdminChange.objects.filter(
        target_type=User._meta.label_lower,
        target_id=str(user.pk),
        action=Action.RESET_LINK,
        at__gte=timezone.now() - FORGOTTEN_MIN_INTERVAL,
    ).exists()


def password_forgotten_request(*, email: str) -> int:
    """« Mot de passe oublié ? »: a link to the active account with this address, unless one
    left less than FORGOTTEN_MIN_INTERVAL ago. Returns how many left, for tests and logs
    only: the page answers the same whatever happens, so nobody learns who has an account."""
    email = (email or "").strip()
    if not email:
        return 0
    sent = 0
    for user_id in User.objects.filter(email__iexact=email, is_active=True).values_list("pk", flat=True):
        with transaction.atomic():
            # Locked, so that two requests at once send one link.
            user = User.objects.select_for_update().filter(pk=user_id, is_active=True).first()
            if user is None or not user.email or password_link_recently_sent(user):
                continue
            password_link_send(user, note=_("Demandé depuis la page « Mot de passe oublié ? »."))
            sent += 1
    return sent
