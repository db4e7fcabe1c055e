"""Back office: the log of received emails, read-only, so staff can see what was refused and why."""

from django.contrib import admin
from django.utils.html import format_html_join
from django.utils.translation import gettext_lazy as _

from portico.helpdesk.intake.models import InboundEmail


@admin.register(InboundEmail)
class InboundEmailAdmin(admin.ModelAdmin):
    list_display = ("received_at", "sender", "subject", "outcome", "reason", "case", "channel")
    list_filter = ("outcome", "reason", "channel")
    search_fields = ("sender", "subject", "message_id")
    date_hierarchy = "received_at"
    list_select_related = ("case",)
    fields = (
        "received_at",
        "channel",
        "message_id",
        "sender",
        "subject",
        "outcome",
        "reason",
        "detail",
        "case",
        "refused_files",
        "size",
        "headers",
    )
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description=_("refused attachments"))
    def refused_files(self, obj):
        items = [(item.get("name", ""), item.get("reason", "")) for item in obj.refused_attachments or []]
        return format_html_join("", "<div>{}: {}</div>", items) or "—"
