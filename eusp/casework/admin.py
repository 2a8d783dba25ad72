from django.contrib import admin

from .models import RequestEvent, ServiceRequest
from .permissions import Action, can, visible_requests
from .selectors import LIST_RELATED


class RequestEventInline(admin.TabularInline):
    """The timeline, read-only: events are appended by the service layer only."""

    model = RequestEvent
    fields = ("created_at", "kind", "actor", "note", "is_internal")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(ServiceRequest)
class ServiceRequestAdmin(admin.ModelAdmin):
    """Read-only in the admin: writes go through the follow-up sheet and its services,
    which record every change on the timeline. Visibility is the app's own rule."""

    list_display = ("reference", "received_on", "subject", "district", "instructing_service", "state", "is_archived")
    list_filter = ("state", "is_archived", "district", "instructing_service")
    list_select_related = LIST_RELATED
    search_fields = ("reference", "subject", "requester_last_name")
    show_full_result_count = False
    inlines = [RequestEventInline]

    def get_queryset(self, request):
        return visible_requests(request.user, super().get_queryset(request))

    def has_view_permission(self, request, obj=None) -> bool:
        # Django's model permission first; the object-level rule can only narrow it.
        if not super().has_view_permission(request, obj):
            return False
        return obj is None or can(request.user, Action.VIEW, obj)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]
