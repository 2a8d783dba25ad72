from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from .models import User


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ("username", "first_name", "last_name", "email", "profile", "is_active", "last_login")
    list_filter = ("profile", "is_active", "services")
    filter_horizontal = ("services", "districts", "groups", "user_permissions")
    fieldsets = (
        *DjangoUserAdmin.fieldsets,
        (_("e-USP"), {"fields": ("profile", "services", "districts", "job_title", "phone", "alert_mode")}),
    )
    add_fieldsets = (
        *DjangoUserAdmin.add_fieldsets,
        (_("e-USP"), {"fields": ("email", "first_name", "last_name", "profile", "services")}),
    )

    def has_delete_permission(self, request, obj=None):
        # An account with history is deactivated, never deleted (/administration/utilisateurs/).
        return False
