from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .display import password_links_hidden
from .models import OutboxMessage
from .outbox import outbox_resend


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    """Read-only: mail is written by the services and delivered by the worker; the only
    action is to resend."""

    list_display = ("created_at", "kind", "to", "subject", "status", "attempts", "next_attempt_at", "sent_at")
    list_filter = ("status", "kind")
    search_fields = ("to", "recipient__username", "recipient__last_name", "subject")
    list_select_related = ("recipient",)
    ordering = ("-created_at",)
    date_hierarchy = "created_at"
    show_full_result_count = False
    actions = ["resend"]
    # The bodies are shown with password links hidden (see display.py), never as stored.
    exclude = ("body_text", "body_html")
    readonly_fields = [
        *(field.name for field in OutboxMessage._meta.fields if field.name not in ("body_text", "body_html")),
        "body_text_shown",
        "body_html_shown",
    ]

    @admin.display(description=_("texte"))
    def body_text_shown(self, message: OutboxMessage) -> str:
        return password_links_hidden(message.body_text)

    @admin.display(description=_("HTML"))
    def body_html_shown(self, message: OutboxMessage) -> str:
        return password_links_hidden(message.body_html)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.action(description=_("Renvoyer"), permissions=["view"])
    def resend(self, request, queryset):
        resent = 0
        resendable = [OutboxMessage.Status.FAILED, OutboxMessage.Status.PENDING]
        for message in queryset.filter(status__in=resendable).exclude(to=""):  # erased: nowhere to go
            outbox_resend(message)
            resent += 1
        self.message_user(
            request,
            ngettext("%d courriel remis en file d'envoi.", "%d courriels remis en file d'envoi.", resent) % resent,
            messages.SUCCESS,
        )
