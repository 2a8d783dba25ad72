"""/compte/double-authentification/: enrol, replace or disable the TOTP device, and the
code page of the login's second step."""

from urllib.parse import urlencode

import django_otp
from django.contrib import messages
from django.contrib.auth.models import AnonymousUser
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from eusp.core.redirects import safe_next

from .two_factor import (
    CodeThrottled,
    TwoFactorMandatory,
    TwoFactorRefused,
    has_two_factor,
    two_factor_confirm,
    two_factor_device,
    two_factor_disable,
    two_factor_enrol_cancel,
    two_factor_enrol_start,
    two_factor_pending_device,
    two_factor_qr_svg,
    two_factor_required,
    two_factor_secret,
    two_factor_verify,
)
from .two_factor_forms import CodeForm

QR_CAPTION_ID = "two-factor-qr-caption"
DISABLE_PREFIX = "disable"


@require_http_methods(["GET", "HEAD"])
def two_factor_view(request):
    return _manage_page(request)


@require_POST
def two_factor_start_view(request):
    two_factor_enrol_start(user=request.user)
    return _back_to_manage(request)


@require_POST
def two_factor_cancel_view(request):
    two_factor_enrol_cancel(user=request.user)
    messages.success(request, _("L'activation est annulée ; la nouvelle clé est supprimée."))
    return _back_to_manage(request)


@require_POST
def two_factor_confirm_view(request):
    form = CodeForm(request.POST)
    if not form.is_valid():
        return _manage_page(request, confirm_form=form, status=400)
    replacing = has_two_factor(request.user)
    try:
        device = two_factor_confirm(user=request.user, code=form.cleaned_data["code"])
    except TwoFactorRefused as refusal:
        form.add_error("code", str(refusal))
        return _manage_page(request, confirm_form=form, status=_status(refusal))
    # This session has just proved it holds the new device (the old one, if any, is gone).
    django_otp.login(request, device)
    if replacing:
        messages.success(request, _("Le nouvel appareil est enregistré ; l'ancien ne donne plus accès."))
    else:
        messages.success(
            request, _("La double authentification est activée : e-USP vous demandera un code à chaque connexion.")
        )
    return redirect(_next_url(request) or "accounts:two-factor")


@require_POST
def two_factor_disable_view(request):
    form = CodeForm(request.POST, prefix=DISABLE_PREFIX)
    if not form.is_valid():
        return _manage_page(request, disable_form=form, status=400)
    try:
        two_factor_disable(user=request.user, code=form.cleaned_data["code"])
    except TwoFactorMandatory as refusal:
        # The page shows no disabling form to this user: the reason goes above the page.
        messages.error(request, str(refusal))
        return _manage_page(request, status=400)
    except TwoFactorRefused as refusal:
        form.add_error("code", str(refusal))
        return _manage_page(request, disable_form=form, status=_status(refusal))
    messages.success(request, _("La double authentification est désactivée : le mot de passe suffit à se connecter."))
    return redirect("accounts:two-factor")


@require_http_methods(["GET", "HEAD", "POST"])
def two_factor_verify_view(request):
    """The login's second step: the code of the app, then the page first asked for."""
    next_url = _next_url(request)
    if request.user.is_verified() or not has_two_factor(request.user):
        return redirect(next_url or "core:dashboard")
    form = CodeForm(request.POST if request.method == "POST" else None)
    status = 200
    if form.is_bound:
        status = 400
        if form.is_valid():
            try:
                device = two_factor_verify(user=request.user, code=form.cleaned_data["code"])
            except TwoFactorRefused as refusal:
                form.add_error("code", str(refusal))
                status = _status(refusal)
            else:
                # A new session key with the new privilege, as Django does at login.
                request.session.cycle_key()
                django_otp.login(request, device)
                return redirect(next_url or "core:dashboard")
    context = {"form": form, "next": next_url, **_without_navigation(request)}
    return render(request, "accounts/two_factor_verify.html", context, status=status)


def _manage_page(request, *, confirm_form=None, disable_form=None, status=200):
    user = request.user
    device, pending = two_factor_device(user), two_factor_pending_device(user)
    required = two_factor_required(user)
    forced = required and device is None
    context = {
        "account": user,
        "device": device,
        "pending": pending,
        "required": required,
        "forced": forced,
        "next": _next_url(request),
        "confirm_form": confirm_form or CodeForm(),
        "disable_form": disable_form or CodeForm(prefix=DISABLE_PREFIX),
        **(_without_navigation(request) if forced else {}),
    }
    if pending is not None:
        context["secret"] = two_factor_secret(pending)
        context["qr_caption_id"] = QR_CAPTION_ID
        # qrcode draws the address as paths: no text from anyone reaches the markup.
        context["qr_svg"] = mark_safe(two_factor_qr_svg(pending, labelled_by=QR_CAPTION_ID))  # noqa: S308
    return render(request, "accounts/two_factor_manage.html", context, status=status)


def _without_navigation(request) -> dict:
    """Until this step is passed every link of the menu leads back here: the page shows none
    (base.html shows the menu to an authenticated ``user``); the page offers its own logout."""
    return {"user": AnonymousUser(), "account": request.user}


def _back_to_manage(request):
    next_url = _next_url(request)
    url = reverse("accounts:two-factor")
    return redirect(f"{url}?{urlencode({'next': next_url})}" if next_url else url)


def _next_url(request) -> str:
    return safe_next(request, request.POST.get("next") or request.GET.get("next", ""))


def _status(refusal: TwoFactorRefused) -> int:
    return 429 if isinstance(refusal, CodeThrottled) else 400
