from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.utils.translation import gettext_lazy as _


class EuspAdminSite(admin.AdminSite):
    """Django's admin, for technical maintenance by the central service only."""

    site_header = _("e-USP – maintenance technique")
    site_title = _("e-USP")

    def has_permission(self, request) -> bool:
        from eusp.casework.permissions import can_administer  # the admin site loads before the models

        return super().has_permission(request) and can_administer(request.user)


class EuspAdminConfig(AdminConfig):
    default_site = "eusp.core.admin_site.EuspAdminSite"
