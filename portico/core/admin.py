"""Back office for the outbox, the audit log and the numbering series."""

from django import forms
from django.apps import apps
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from portico.core.audit_display import action_in_words, change_rows, filter_kind, kind_choices
from portico.core.models import AuditEntry, NumberSequence, OutboxMessage
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


SOURCES = {"portal": _("Portal"), "backoffice": _("Back office")}


def _id(text: str | None) -> int | None:
    """A database id from a query string, or None for anything else (letters, signs, too many digits)."""
    return int(text) if text and text.isdecimal() and len(text) <= 18 else None


class SourceFilter(admin.SimpleListFilter):
    """Where a change was made; fixed choices, so the list never scans the log for distinct values."""

    title = _("source")
    parameter_name = "source"

    def lookups(self, request, model_admin):
        return list(SOURCES.items())

    def queryset(self, request, queryset):
        return queryset.filter(source=self.value()) if self.value() else queryset


class KindFilter(admin.SimpleListFilter):
    """Kinds of action (sign-ins, changes, additions, portal access)."""

    title = _("action")
    parameter_name = "kind"

    def lookups(self, request, model_admin):
        return kind_choices()

    def queryset(self, request, queryset):
        return filter_kind(queryset, self.value() or "")


class AccountFilter(admin.SimpleListFilter):
    """Entries of one company, reached from the link on its account page (?account=<id>)."""

    title = _("account")
    parameter_name = "account"

    def lookups(self, request, model_admin):
        pk = _id(self.value())
        if pk is None:
            return []
        account = apps.get_model("crm", "Account").objects.filter(pk=pk).only("name").first()
        return [(self.value(), account.name if account else f"#{pk}")]

    def queryset(self, request, queryset):
        if not self.value():
            return queryset
        pk = _id(self.value())
        return queryset.filter(account_id=pk) if pk is not None else queryset.none()


class RecordFilter(admin.SimpleListFilter):
    """Entries of one record, reached from the link on its change page (?record=<content type>-<id>)."""

    title = _("record")
    parameter_name = "record"

    def _parts(self):
        content_type, _sep, object_id = (self.value() or "").partition("-")
        content_type_id = _id(content_type)
        return (content_type_id, object_id[:64]) if content_type_id is not None and object_id else None

    def lookups(self, request, model_admin):
        parts = self._parts()
        if parts is None:
            return []
        entry = AuditEntry.objects.filter(content_type_id=parts[0], object_id=parts[1]).only("object_repr").first()
        return [(self.value(), entry.object_repr if entry else self.value())]

    def queryset(self, request, queryset):
        if not self.value():
            return queryset
        parts = self._parts()
        return queryset.filter(content_type_id=parts[0], object_id=parts[1]) if parts else queryset.none()


def _record_admin_url(entry: AuditEntry) -> str | None:
    if not entry.content_type_id or not entry.object_id:
        return None
    try:
        return reverse(
            f"admin:{entry.content_type.app_label}_{entry.content_type.model}_change", args=[entry.object_id]
        )
    except NoReverseMatch:
        return None


def changes_html(entry: AuditEntry):
    """Each changed field on its own line: "Label: old → new"."""
    rows = change_rows(entry)
    if not rows:
        return "—"
    return format_html_join(mark_safe("<br>"), "{}: {} → {}", rows)


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """The audit log: who did what to which record, from where; filtered and searched in the database."""

    list_display = ("created_at", "who", "source_words", "action_words", "record", "changes_in_words")
    list_filter = (SourceFilter, KindFilter, ("created_at", admin.DateFieldListFilter), AccountFilter, RecordFilter)
    search_fields = ("object_repr", "actor__email")
    search_help_text = _("A record's name, or a login's email address (or part of it).")
    list_select_related = ("actor", "actor_contact", "content_type")
    list_per_page = 50
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER  # a count per filter choice would scan the log on every page
    fields = (
        "created_at",
        ("actor", "actor_contact"),
        ("source", "action"),
        ("content_type", "object_id", "object_repr"),
        "account_id",
        "changes_in_words",
        ("ip_address", "user_agent"),
    )
    readonly_fields = [*(f.name for f in AuditEntry._meta.fields if f.name != "id"), "changes_in_words"]

    def get_search_results(self, request, queryset, search_term):
        """Match the record's name or the actor's email; logins are matched apart, so the log is never joined."""
        term = search_term.strip()[:200]
        if not term:
            return queryset, False
        match = Q(actor_id__in=get_user_model().objects.filter(email__icontains=term).values("pk"))
        if "@" not in term:  # an email address is never a record's name: the actor index alone answers it
            match |= Q(object_repr__icontains=term)
        return queryset.filter(match), False

    @admin.display(description=_("who"), ordering="actor__email")
    def who(self, obj):
        email = obj.actor.email if obj.actor else "—"
        if obj.actor_contact is None:
            return email
        return format_html("{}<br><small>{}</small>", email, _("as %(contact)s") % {"contact": obj.actor_contact})

    @admin.display(description=_("source"), ordering="source")
    def source_words(self, obj):
        return SOURCES.get(obj.source, obj.source)

    @admin.display(description=_("action"), ordering="action")
    def action_words(self, obj):
        return action_in_words(obj.action)

    @admin.display(description=_("record"), ordering="object_repr")
    def record(self, obj):
        url = _record_admin_url(obj)
        return format_html('<a href="{}">{}</a>', url, obj.object_repr) if url else obj.object_repr or "—"

    @admin.display(description=_("changes"))
    def changes_in_words(self, obj):
        return changes_html(obj)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class AuditTrailMixin:
    """A ModelAdmin mixin: the change page shows the record's newest audit entries and links to all of them."""

    audit_trail_limit = 20

    def get_fieldsets(self, request, obj=None):
        fieldsets = list(super().get_fieldsets(request, obj))
        if obj is not None and request.user.has_perm("core.view_auditentry"):
            fieldsets.append((_("Audit log"), {"fields": ["audit_trail"]}))
        return fieldsets

    def get_readonly_fields(self, request, obj=None):
        return (*super().get_readonly_fields(request, obj), "audit_trail")

    def audit_trail_links(self, obj) -> list[tuple[str, str]]:
        """(label, URL) of the filtered audit lists for a record; an account admin adds its company's entries."""
        content_type = ContentType.objects.get_for_model(obj)
        url = reverse("admin:core_auditentry_changelist")
        return [(str(_("All entries for this record")), f"{url}?record={content_type.pk}-{obj.pk}")]

    @admin.display(description=_("latest entries"))
    def audit_trail(self, obj):
        if obj is None or obj.pk is None:
            return "—"
        content_type = ContentType.objects.get_for_model(obj)
        entries = list(
            AuditEntry.objects.filter(content_type=content_type, object_id=str(obj.pk))
            .select_related("actor", "actor_contact", "content_type")
            .order_by("-created_at")[: self.audit_trail_limit]
        )
        rows = [(entry, action_in_words(entry.action), changes_html(entry)) for entry in entries]
        context = {"rows": rows, "links": self.audit_trail_links(obj), "limit": self.audit_trail_limit}
        return render_to_string("admin/core/audit_trail.html", context)


class NumberSequenceForm(forms.ModelForm):
    class Meta:
        model = NumberSequence
        fields = ("last_value",)

    def clean_last_value(self):
        value = self.cleaned_data["last_value"]
        current = NumberSequence.objects.get(pk=self.instance.pk).last_value
        if value < current:
            raise forms.ValidationError(
                _("A numbering series can only move forward: the last number given is %(n)s.") % {"n": current}
            )
        return value


@admin.register(NumberSequence)
class NumberSequenceAdmin(admin.ModelAdmin):
    """Numbering series: staff may move a series forward (to continue an older system's numbers), never back."""

    form = NumberSequenceForm
    list_display = ("series", "last_value")
    readonly_fields = ("series",)

    def has_add_permission(self, request):
        return False  # a series starts when its first number is taken

    def has_delete_permission(self, request, obj=None):
        return False
