"""Two-factor authentication by TOTP code (django-otp): enrol, confirm, verify, disable.

A user's second factor is their one *confirmed* TOTPDevice. Enrolment creates an
unconfirmed device whose key the user loads into an authenticator app; only a code
computed from that key confirms it, so a mistyped or unscanned key never locks anyone
out, and the previous device keeps protecting the account until the new one is
confirmed.

Every code is checked by ``TOTPDevice.verify_token`` on a row locked for update: a code
is accepted once (replay protection through ``last_t``), and each failure makes the
next attempt wait longer (django-otp's throttling: 1, 2, 4, 8… seconds).

A lost phone: the central service resets the account's devices
(``eusp.administration.users.services.user_two_factor_reset``) and the user enrols again.
"""

import math
import re
from base64 import b32encode
from urllib.parse import quote, urlencode

import qrcode
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django_otp.models import VerifyNotAllowed
from django_otp.plugins.otp_totp.models import TOTPDevice
from qrcode.image.svg import SvgPathImage

from eusp.core.city_settings import city_settings

CODE_LENGTH = 6
_CODE = re.compile(rf"[0-9]{{{CODE_LENGTH}}}", flags=re.ASCII)


class TwoFactorRefused(Exception):
    """The action is refused; the message (in French) says why."""


class TwoFactorMandatory(TwoFactorRefused):
    """The city requires a second factor of this user: it cannot be removed."""


class CodeThrottled(TwoFactorRefused):
    """Too many wrong codes in a row: the next one is checked only after a delay."""


def two_factor_required(user) -> bool:
    """Whether this user may not work without a second factor (the city's setting)."""
    return user.is_central and city_settings().totp_required_for_central


def has_two_factor(user) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def two_factor_device(user) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("-pk").first()


def two_factor_pending_device(user) -> TOTPDevice | None:
    """The device being enrolled: its key is shown until a code confirms it."""
    return TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first()


def code_is_well_formed(code: str) -> bool:
    return bool(_CODE.fullmatch(code))


@transaction.atomic
def two_factor_enrol_start(*, user) -> TOTPDevice:
    """A new key to load into the app; an enrolment left unfinished before is dropped."""
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    return TOTPDevice.objects.create(user=user, name="e-USP", confirmed=False)


def two_factor_enrol_cancel(*, user) -> None:
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()


def two_factor_confirm(*, user, code: str) -> TOTPDevice:
    """The code proves the app holds the new key: it becomes the user's only device."""
    with transaction.atomic():
        device = _locked(user, confirmed=False)
        if device is None:
            refusal = TwoFactorRefused(_("Aucune activation n'est en cours : recommencez depuis le début."))
        elif (refusal := _code_refusal(device, code)) is None:
            TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
            device.confirmed = True
            device.save(update_fields=["confirmed"])
    # Raised outside the transaction: the failure count the check just saved must stay.
    if refusal is not None:
        raise refusal
    return device


def two_factor_verify(*, user, code: str) -> TOTPDevice:
    """The login's second step: the device that accepted the code, for ``django_otp.login``."""
    with transaction.atomic():
        device = _locked(user, confirmed=True)
        if device is None:
            refusal = TwoFactorRefused(_("La double authentification n'est pas activée pour ce compte."))
        else:
            refusal = _code_refusal(device, code)
    if refusal is not None:
        raise refusal
    return device


def two_factor_disable(*, user, code: str) -> None:
    """Only with a current code: a session left open must not be enough to remove it."""
    if two_factor_required(user):
        raise TwoFactorMandatory(
            _(
                "La double authentification est obligatoire pour le service centralisateur : "
                "elle ne peut pas être désactivée."
            )
        )
    with transaction.atomic():
        device = _locked(user, confirmed=True)
        if device is None:
            refusal = TwoFactorRefused(_("La double authentification n'est pas activée pour ce compte."))
        elif (refusal := _code_refusal(device, code)) is None:
            TOTPDevice.objects.filter(user=user).delete()
    if refusal is not None:
        raise refusal


def two_factor_secret(device: TOTPDevice) -> str:
    """The key in base32 by groups of four, for typing into an app instead of scanning."""
    secret = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def two_factor_provisioning_uri(device: TOTPDevice) -> str:
    """The otpauth:// address the QR code carries; the app lists the account under the city's name."""
    issuer = f"e-USP {city_settings().city_name}".replace(":", "")
    label = quote(f"{issuer}:{device.user.get_username()}")
    params = {
        "secret": b32encode(device.bin_key).decode().rstrip("="),
        "issuer": issuer,
        "algorithm": "SHA1",
        "digits": device.digits,
        "period": device.step,
    }
    return f"otpauth://totp/{label}?{urlencode(params, quote_via=quote)}"


def two_factor_qr_svg(device: TOTPDevice, *, labelled_by: str) -> str:
    """The QR code as inline SVG: presentation attributes only, no style (the CSP forbids it)."""
    code = qrcode.QRCode(image_factory=SvgPathImage, box_size=10, border=4)
    code.add_data(two_factor_provisioning_uri(device))
    image = code.make_image(**{"role": "img", "aria-labelledby": labelled_by})
    return image.to_string(encoding="unicode")


def _locked(user, *, confirmed: bool) -> TOTPDevice | None:
    # Locked so that two simultaneous submissions of one code cannot both pass.
    return TOTPDevice.objects.select_for_update().filter(user=user, confirmed=confirmed).order_by("-pk").first()


def _code_refusal(device: TOTPDevice, code: str) -> TwoFactorRefused | None:
    """None when the device accepts the code; otherwise why not (a failure is counted)."""
    allowed, details = device.verify_is_allowed()
    if not allowed and details and details.get("reason") == VerifyNotAllowed.N_FAILED_ATTEMPTS:
        seconds = max(1, math.ceil((details["locked_until"] - timezone.now()).total_seconds()))
        return CodeThrottled(
            ngettext(
                "Trop de codes erronés à la suite : attendez %(seconds)s seconde avant de réessayer.",
                "Trop de codes erronés à la suite : attendez %(seconds)s secondes avant de réessayer.",
                seconds,
            )
            % {"seconds": seconds}
        )
    # Not a guess at the code (a typo such as a letter): refused without counting a failure.
    if not code_is_well_formed(code):
        return TwoFactorRefused(_("Saisissez les 6 chiffres affichés par votre application."))
    if not device.verify_token(code):
        return TwoFactorRefused(
            _(
                "Ce code n'est pas valable : il est erroné, expiré ou a déjà servi. "
                "Saisissez le code affiché maintenant par votre application."
            )
        )
    return None
