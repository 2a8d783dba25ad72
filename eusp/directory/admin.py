from django.contrib import admin

from .models import Category, District, Origin, Priority, Service, State


class ReferenceDataAdmin(admin.ModelAdmin):
    list_editable = ("position", "is_active")
    list_filter = ("is_active",)


@admin.register(Origin, District)
class NamedReferenceAdmin(ReferenceDataAdmin):
    list_display = ("name", "position", "is_active")
    search_fields = ("name",)


@admin.register(Service)
class ServiceAdmin(ReferenceDataAdmin):
    list_display = ("name", "email", "kind", "position", "is_active")
    list_filter = ("kind", "is_active")
    search_fields = ("name", "email")


@admin.register(Category)
class CategoryAdmin(ReferenceDataAdmin):
    list_display = (
        "name",
        "theme",
        "default_instructing_service",
        "default_executing_service",
        "position",
        "is_active",
    )
    list_select_related = ("default_instructing_service", "default_executing_service")
    search_fields = ("name", "theme")


@admin.register(State)
class StateAdmin(ReferenceDataAdmin):
    list_display = ("label", "phase", "colour", "is_initial", "position", "is_active")


@admin.register(Priority)
class PriorityAdmin(ReferenceDataAdmin):
    list_display = ("label", "is_default", "position", "is_active")
