"""Spliced into the ``accounts`` namespace (eusp/accounts/urls.py), at the site's root."""

from django.urls import path

from . import two_factor_views as views

urlpatterns = [
    path("compte/double-authentification/", views.two_factor_view, name="two-factor"),
    path("compte/double-authentification/activation/", views.two_factor_start_view, name="two-factor-start"),
    path("compte/double-authentification/confirmation/", views.two_factor_confirm_view, name="two-factor-confirm"),
    path("compte/double-authentification/annulation/", views.two_factor_cancel_view, name="two-factor-cancel"),
    path("compte/double-authentification/desactivation/", views.two_factor_disable_view, name="two-factor-disable"),
    path("compte/double-authentification/verification/", views.two_factor_verify_view, name="two-factor-verify"),
]
