"""Back office for the outbox and the audit log."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from portico.core.models import AuditEntry, OutboxMessage
from portico.core.outbox import retry_now


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    list_display = (
        "created_at",
        "to",
        "subject",
        "kind",
        "language",
        "status",
        "attempts",
        "sent_at",
        "next_attempt_at",
    )
    list_filter = ("status", "kind", "language")
    search_fields = ("to", "subject")
    date_hierarchy = "created_at"
    actions = ["retry"]
    show_full_result_count = False
    readonly_fields = [f.name for f in OutboxMessage._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser

    @admin.action(description=_("Retry delivery now"), permissions=["change"])
    def retry(self, request, queryset):
        count = 0
        for message in queryset.exclude(status=OutboxMessage.Status.SENT):
            count += retry_now(message)
        self.message_user(
            request,
            ngettext("%(count)d message queued again.", "%(count)d messages queued again.", count) % {"count": count},
            messages.SUCCESS,
        )


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = ("created_at", "actor", "actor_contact", "source", "action", "object_repr", "changes")
    list_filter = ("source", "action", "content_type")
    search_fields = ("object_repr", "actor__email", "action")
    date_hierarchy = "created_at"
    list_select_related = ("actor", "actor_contact")
    show_full_result_count = False
    readonly_fields = [f.name for f in AuditEntry._meta.fields if f.name != "id"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
