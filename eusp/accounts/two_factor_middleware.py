"""Holds a session at its two-factor step: the code to give, or the device to enrol.

After the password, a user with a confirmed device reaches nothing but the code page
until the code is given (``request.user.is_verified()``, set by django-otp's
OTPMiddleware, which must come before this one). A central service user without a
device, when the city requires one, reaches only the enrolment pages. Élus and agents
are never forced.
"""

from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.shortcuts import redirect
from django.urls import reverse
from django_htmx.http import HttpResponseClientRedirect

from eusp.core.redirects import safe_next

from .two_factor import has_two_factor, two_factor_required

# The password pages (forgotten or first password) are another way in, open at every step.
PASSWORD_PAGES_PREFIX = "/compte/mot-de-passe"  # noqa: S105 (a path, not a password)


class TwoFactorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        step = _pending_step(request)
        if step is not None:
            return _redirect_to(request, step)
        return self.get_response(request)


def _pending_step(request) -> str | None:
    """The URL name of the step this session must pass first, if any."""
    user = request.user
    if not user.is_authenticated or _always_open(request.path) or user.is_verified():
        return None
    if has_two_factor(user):
        return "accounts:two-factor-verify"
    if two_factor_required(user) and not request.path.startswith(reverse("accounts:two-factor")):
        return "accounts:two-factor"
    return None


def _always_open(path: str) -> bool:
    open_paths = (reverse("accounts:two-factor-verify"), reverse("accounts:logout"), reverse("set_language"))
    return path in open_paths or path.startswith((settings.STATIC_URL, PASSWORD_PAGES_PREFIX))


def _redirect_to(request, step: str):
    url = reverse(step)
    next_url = _next_url(request)
    if next_url:
        url = f"{url}?{urlencode({'next': next_url})}"
    if request.headers.get("HX-Request") == "true":
        # A fragment swapped into the page would show the code form inside it: the
        # whole page goes instead (htmx follows HX-Redirect).
        return HttpResponseClientRedirect(url)
    return redirect(url)


def _next_url(request) -> str:
    """Where to come back once the step is passed: the page asked for, never a POST's target."""
    if request.headers.get("HX-Request") == "true":
        current = request.headers.get("HX-Current-URL", "")
        if safe_next(request, current):
            parts = urlsplit(current)
            return f"{parts.path}?{parts.query}" if parts.query else parts.path
        return ""
    if request.method in ("GET", "HEAD"):
        return request.get_full_path()
    return ""
