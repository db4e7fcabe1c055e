"""Back office of the helpdesk: the case queue, a case with its conversation, teams, categories, SLA and settings."""

from __future__ import annotations

import unicodedata
from datetime import timedelta

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.http import HttpResponseRedirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from portico.core.admin import AuditTrailMixin
from portico.core.singleton_admin import SingletonAdmin
from portico.core.uploads import attachment_rules
from portico.helpdesk import selectors, services
from portico.helpdesk.admin_views import CaseAdminViews
from portico.helpdesk.models import (
    ACTIVE_STATUSES,
    Case,
    CaseCategory,
    CaseDeflection,
    HelpdeskSettings,
    Holiday,
    SlaPolicy,
    Source,
    Status,
    Team,
    validate_labels,
)
from portico.helpdesk.sla import BREACHED, DUE_SOON, MET, ON_TRACK, PAUSED, sla_state

WEEKDAYS = [
    (0, _("Monday")),
    (1, _("Tuesday")),
    (2, _("Wednesday")),
    (3, _("Thursday")),
    (4, _("Friday")),
    (5, _("Saturday")),
    (6, _("Sunday")),
]


def _language_name(code: str) -> str:
    return str(dict(settings.LANGUAGES)[code])


# ---------------------------------------------------------------- teams, categories, SLA


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ("name", "member_list")
    search_fields = ("name",)
    filter_horizontal = ("members",)

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("members")

    @admin.display(description=_("members"))
    def member_list(self, obj):
        return ", ".join(m.get_full_name() or m.email for m in obj.members.all()) or "—"


class CaseCategoryForm(forms.ModelForm):
    """A category's default name and a translation box per language (blank: the default name)."""

    class Meta:
        model = CaseCategory
        fields = ("name", "order", "is_active")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        labels = self.instance.labels or {}
        for code, _name in settings.LANGUAGES:
            self.fields[f"label_{code}"] = forms.CharField(
                label=_("Name (%(language)s)") % {"language": _language_name(code)},
                required=False,
                max_length=100,
                initial=labels.get(code, ""),
            )

    def clean(self):
        cleaned = super().clean()
        labels = {
            code: text for code, _n in settings.LANGUAGES if (text := (cleaned.get(f"label_{code}") or "").strip())
        }
        try:
            validate_labels(labels)
        except ValidationError as exc:
            raise ValidationError(exc.messages) from None
        self.instance.labels = labels
        return cleaned


@admin.register(CaseCategory)
class CaseCategoryAdmin(admin.ModelAdmin):
    form = CaseCategoryForm
    list_display = ("name", "translations", "order", "is_active")
    list_editable = ("order", "is_active")
    search_fields = ("name",)

    def get_fields(self, request, obj=None):
        return ["name", *(f"label_{code}" for code, _n in settings.LANGUAGES), "order", "is_active"]

    def get_form(self, request, obj=None, **kwargs):
        kwargs["fields"] = list(CaseCategoryForm.Meta.fields)  # the translation boxes are the form's own
        return super().get_form(request, obj, **kwargs)

    @admin.display(description=_("translations"))
    def translations(self, obj):
        return ", ".join(f"{code}: {text}" for code, text in (obj.labels or {}).items()) or "—"


def _duration(minutes: int) -> str:
    hours, rest = divmod(minutes, 60)
    if hours and rest:
        return _("%(hours)d h %(minutes)d min") % {"hours": hours, "minutes": rest}
    return _("%(hours)d h") % {"hours": hours} if hours else _("%(minutes)d min") % {"minutes": rest}


@admin.register(SlaPolicy)
class SlaPolicyAdmin(admin.ModelAdmin):
    list_display = ("priority_label", "first_response", "resolution", "business_hours_only")
    ordering = ("priority",)

    @admin.display(description=_("priority"), ordering="priority")
    def priority_label(self, obj):
        return obj.get_priority_display()

    @admin.display(description=_("first response within"))
    def first_response(self, obj):
        return _duration(obj.first_response_minutes)

    @admin.display(description=_("resolution within"))
    def resolution(self, obj):
        return _duration(obj.resolution_minutes)


@admin.register(Holiday)
class HolidayAdmin(admin.ModelAdmin):
    """Public holidays: days off for the SLA policies that count business hours only."""

    list_display = ("date", "name")
    search_fields = ("name",)
    date_hierarchy = "date"
    ordering = ("date",)


# ---------------------------------------------------------------- settings (one screen)


class HelpdeskSettingsForm(forms.ModelForm):
    business_days = forms.TypedMultipleChoiceField(
        label=_("Business days"), required=False, coerce=int, choices=WEEKDAYS, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = HelpdeskSettings
        fields = (
            "default_assignee",
            "default_team",
            "reopen_days",
            "business_days",
            "business_start",
            "business_end",
            "time_zone",
        )
        widgets = {
            "business_start": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "business_end": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        }


@admin.register(HelpdeskSettings)
class HelpdeskSettingsAdmin(SingletonAdmin):
    """Helpdesk settings: a single page, never a list; the row is created on first visit."""

    saved_message = _("The helpdesk settings were saved.")

    form = HelpdeskSettingsForm
    fieldsets = (
        (_("New cases from the portal and by email"), {"fields": ("default_assignee", "default_team")}),
        (_("Resolved cases"), {"fields": ("reopen_days",)}),
        (_("Attachments"), {"fields": ("attachment_rules",)}),
        (
            _("Business hours (for SLA policies that count business hours only)"),
            {"fields": ("business_days", ("business_start", "business_end"), "time_zone")},
        ),
        (_("Suggested articles"), {"fields": ("deflections",)}),
    )
    readonly_fields = ("attachment_rules", "deflections")

    @admin.display(description=_("attachment rules"))
    def attachment_rules(self, obj):
        rules = attachment_rules()
        return format_html(
            '{} <a href="{}">{}</a>',
            _("Files of at most %(size)d MB, up to %(count)d per message; shared by every portal module.")
            % {"size": rules.max_mb, "count": rules.max_files},
            # The portal settings page (its list opens the one record) at its attachments section.
            f"{reverse('admin:portal_portalsettings_changelist')}#attachments",
            _("Change them in the portal settings"),
        )

    @admin.display(description=_("opened from the new-case form"))
    def deflections(self, obj):
        return deflection_text(selectors.deflection_summary())


def deflection_text(summary: dict) -> str:
    opened, deflected = summary["opened"] or 0, summary["deflected"] or 0
    return str(
        ngettext(
            "%(opened)d suggested article opened; %(deflected)d without a case following (deflected).",
            "%(opened)d suggested articles opened; %(deflected)d without a case following (deflected).",
            opened,
        )
        % {"opened": opened, "deflected": deflected}
    )


# ---------------------------------------------------------------- the case queue


class SlaFilter(admin.SimpleListFilter):
    """Active cases that missed a due time (as the SLA column says), or whose next due time comes within some hours.

    A case waiting for the customer is never due soon (its clock stands still); it is breached only when it had
    missed a due time before the wait began (`sla.missed_before_pause`).
    """

    title = _("SLA")
    parameter_name = "sla"

    def lookups(self, request, model_admin):
        return [
            ("breached", _("Breached")),
            ("1", _("Due within 1 hour")),
            ("4", _("Due within 4 hours")),
            ("24", _("Due within 24 hours")),
        ]

    def queryset(self, request, queryset):
        value, now = self.value(), timezone.now()
        active = Q(status__in=ACTIVE_STATUSES, sla_paused_at__isnull=True)
        first_open = Q(first_responded_at__isnull=True)
        answered_late = Q(first_responded_at__gt=F("first_response_due"))
        breached = (first_open & Q(first_response_due__lt=now)) | answered_late | Q(resolution_due__lt=now)
        if value == "breached":
            paused = Q(status__in=ACTIVE_STATUSES, sla_paused_at__isnull=False)
            missed_before_pause = (
                (first_open & Q(first_response_due__lte=F("sla_paused_at")))
                | answered_late
                | Q(resolution_due__lte=F("sla_paused_at"))
            )
            return queryset.filter((active & breached) | (paused & missed_before_pause))
        if value in ("1", "4", "24"):
            until = now + timedelta(hours=int(value))
            soon = (first_open & Q(first_response_due__range=(now, until))) | Q(resolution_due__range=(now, until))
            return queryset.filter(active & soon).exclude(breached)
        return queryset


class AssigneeFilter(admin.SimpleListFilter):
    """Mine, unassigned, or one staff member's cases; staff are listed, cases are never scanned for values."""

    title = _("assignee")
    parameter_name = "assignee"

    def lookups(self, request, model_admin):
        staff = get_user_model().objects.filter(is_staff=True, is_active=True).order_by("first_name", "email")
        return [("me", _("Assigned to me")), ("none", _("Unassigned"))] + [
            (str(u.pk), u.get_full_name() or u.email) for u in staff
        ]

    def queryset(self, request, queryset):
        value = self.value()
        if value == "me":
            return queryset.filter(assignee=request.user)
        if value == "none":
            return queryset.filter(assignee__isnull=True)
        if value and value.isdecimal() and len(value) < 19:
            return queryset.filter(assignee_id=int(value))
        return queryset


class StatusFilter(admin.SimpleListFilter):
    """Active (new, open, waiting) by default, or one status, or all."""

    title = _("status")
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return [("active", _("Active (new, open, waiting)")), *Status.choices, ("all", _("All"))]

    def choices(self, changelist):
        value = self.value() or "active"
        for lookup, title in self.lookup_choices:
            yield {
                "selected": value == str(lookup),
                "query_string": changelist.get_query_string({self.parameter_name: lookup}),
                "display": title,
            }

    def queryset(self, request, queryset):
        value = self.value() or "active"
        if value == "active":
            return queryset.filter(status__in=ACTIVE_STATUSES)
        if value in Status.values:
            return queryset.filter(status=value)
        return queryset


class CaseAdminForm(forms.ModelForm):
    class Meta:
        model = Case
        fields = ("subject", "description", "contact", "category", "priority", "status", "assignee", "team")

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk and self.instance.status == Status.CLOSED:
            changed = {"subject", "category", "priority", "status"} & set(self.changed_data)
            if changed:
                raise ValidationError(_("A closed case is final: only its assignee and team can change."))
        return cleaned


@admin.register(Case)
class CaseAdmin(CaseAdminViews, AuditTrailMixin, admin.ModelAdmin):
    """The case queue: active cases first, filtered by status, priority, assignee, team and SLA."""

    form = CaseAdminForm
    change_form_template = "admin/helpdesk/case/change_form.html"
    list_display = (
        "number",
        "subject",
        "contact_name",
        "account",
        "status",
        "priority_label",
        "assignee",
        "team",
        "sla",
        "created_at",
    )
    list_display_links = ("number", "subject")
    list_filter = (StatusFilter, "priority", AssigneeFilter, "team", SlaFilter, "source", "category")
    list_select_related = ("contact", "account", "assignee", "team")
    search_fields = ("number", "subject", "contact__email", "contact__last_name", "account__name")
    search_help_text = _("A case number, a subject, or the contact's email, last name or company.")
    autocomplete_fields = ("contact",)
    ordering = ("-created_at", "-pk")
    list_per_page = 50
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER
    actions = ["assign_to_me", "assign", "mark_open", "mark_waiting", "mark_resolved", "mark_closed", "merge"]

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            main = ("contact", "subject", "description", ("category", "priority"), ("assignee", "team"))
            return [(None, {"fields": main})]
        sets = [
            (None, {"fields": ("number", "subject", ("contact", "account"), ("category", "priority"), "status")}),
            (_("Assignment"), {"fields": (("assignee", "team"),)}),
            (
                _("SLA"),
                {
                    "fields": (
                        ("first_response_due", "first_responded_at"),
                        ("resolution_due", "resolved_at"),
                        ("sla", "sla_paused_at"),
                    )
                },
            ),
            (
                _("Details"),
                {
                    "fields": (
                        ("source", "created_at", "closed_at"),
                        ("rating", "rating_comment"),
                        ("merged_into", "merged_cases_list"),
                        "deflections_list",
                    )
                },
            ),
        ]
        return sets + [s for s in super().get_fieldsets(request, obj) if s[0] == _("Audit log")]

    def get_readonly_fields(self, request, obj=None):
        readonly = [
            "number",
            "account",
            "source",
            "created_at",
            "closed_at",
            "first_response_due",
            "first_responded_at",
            "resolution_due",
            "resolved_at",
            "rating",
            "rating_comment",
            "merged_into",
            "merged_cases_list",
            "deflections_list",
            "sla",
            "sla_paused_at",
        ]
        if obj is not None:
            readonly += ["contact", "description"]
        return [*readonly, *super().get_readonly_fields(request, obj)]

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        for name in ("assignee",):
            if name in form.base_fields:
                form.base_fields[name].queryset = get_user_model().objects.filter(is_staff=True, is_active=True)
        return form

    @admin.display(description=_("contact"), ordering="contact__last_name")
    def contact_name(self, obj):
        return obj.contact.full_name

    @admin.display(description=_("priority"), ordering="priority")
    def priority_label(self, obj):
        return obj.get_priority_display()

    @admin.display(description=_("SLA"))
    def sla(self, obj):
        state = sla_state(obj)
        words = {
            BREACHED: _("Breached"),
            DUE_SOON: _("Due soon"),
            ON_TRACK: _("On track"),
            MET: _("Met"),
            PAUSED: _("Paused: waiting for the customer"),
        }
        if state not in words:
            return "—"
        colours = {BREACHED: "#a4161a", DUE_SOON: "#8a5a00", MET: "#146c2e"}
        return format_html('<strong style="color:{}">{}</strong>', colours.get(state, "inherit"), words[state])

    @admin.display(description=_("merged here"))
    def merged_cases_list(self, obj):
        return ", ".join(c.number for c in obj.merged_cases.order_by("pk")) or "—"

    @admin.display(description=_("suggested articles opened before"))
    def deflections_list(self, obj):
        return ", ".join(d.article_slug for d in obj.deflections.order_by("pk")) or "—"

    def save_model(self, request, obj, form, change):
        """Every change goes through the services, so it is audited, in the history, and emailed."""
        if not change:
            case = services.create_case(
                contact=form.cleaned_data["contact"],
                subject=form.cleaned_data["subject"],
                description=form.cleaned_data["description"],
                actor=request.user,
                source=Source.STAFF,
                category=form.cleaned_data.get("category"),
                priority=form.cleaned_data.get("priority"),
                assignee=form.cleaned_data.get("assignee"),
                team=form.cleaned_data.get("team"),
            )
            obj.pk = case.pk
            obj.__dict__.update({f.attname: getattr(case, f.attname) for f in Case._meta.concrete_fields})
            obj._state.adding = False
            return
        current = Case.objects.select_related("contact", "account").get(pk=obj.pk)
        data = form.cleaned_data
        fields = {k: data[k] for k in ("subject", "category", "priority") if k in form.changed_data}
        if fields:
            services.update_case(case=current, actor=request.user, **fields)
        if {"assignee", "team"} & set(form.changed_data):
            services.assign_case(case=current, actor=request.user, assignee=data.get("assignee"), team=data.get("team"))
        if "status" in form.changed_data:
            services.change_status(case=current, status=data["status"], actor=request.user)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            with transaction.atomic():
                return super().changeform_view(request, object_id, form_url, extra_context)
        except ValidationError as exc:
            for message in exc.messages:
                self.message_user(request, message, messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    def get_search_results(self, request, queryset, search_term):
        term = " ".join("".join(ch for ch in search_term if unicodedata.category(ch) != "Cc").split())[:200]
        if term.upper().startswith("CS-") or term.isdecimal():
            return queryset.filter(number__iendswith=term.upper().removeprefix("CS-")), False
        return super().get_search_results(request, queryset, term)

    def get_urls(self):
        return [*self.case_urls(), *super().get_urls()]

    def case_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<int:pk>/reply/", view(self.reply_view), name="helpdesk_case_reply"),
            path("attachments/<int:pk>/", view(self.attachment_view), name="helpdesk_case_attachment"),
        ]


@admin.register(CaseDeflection)
class CaseDeflectionAdmin(admin.ModelAdmin):
    """Articles customers opened from the new-case form; those without a case were deflected."""

    list_display = ("created_at", "article_slug", "query", "contact", "account", "case_link")
    list_filter = (("case", admin.EmptyFieldListFilter), ("created_at", admin.DateFieldListFilter))
    list_select_related = ("contact", "account", "case")
    search_fields = ("article_slug", "query")
    date_hierarchy = "created_at"
    show_full_result_count = False
    change_list_template = "admin/helpdesk/casedeflection/change_list.html"

    @admin.display(description=_("case"), ordering="case")
    def case_link(self, obj):
        if obj.case_id is None:
            return _("No case: deflected")
        return format_html('<a href="{}">{}</a>', reverse("admin:helpdesk_case_change", args=[obj.case_id]), obj.case)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        extra = {"deflection_summary": deflection_text(selectors.deflection_summary()), **(extra_context or {})}
        return super().changelist_view(request, extra)
