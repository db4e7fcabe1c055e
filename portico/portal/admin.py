"""Back office for portal settings: one screen for branding, modules, the announcement and email templates."""

from __future__ import annotations

import unicodedata

from django import forms
from django.conf import settings
from django.contrib import admin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.db.models import Q
from django.http import Http404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from portico.access.registry import all_modules, grantable_modules
from portico.core.attachments import KINDS
from portico.core.singleton_admin import SingletonAdmin
from portico.core.validators import BIDI_CONTROLS, single_line
from portico.crm.models import Contact
from portico.portal.emails import placeholder_values, preview_context
from portico.portal.models import EmailTemplate, ExternalLink, ModuleSetting, PortalSettings, invalidate

ATTACHMENTS_ANCHOR = "attachments"  # the id of the attachments section, for links from other settings pages
ANNOUNCEMENT_MAX = 1000
LABEL_MAX = 60
SEARCH_RESULTS = 20


def _language_name(code: str) -> str:
    return str(dict(settings.LANGUAGES)[code])


def _plain_text(value: str) -> None:
    """Refuse control characters (other than line breaks and tabs) and bidirectional overrides."""
    if any((unicodedata.category(ch) == "Cc" and ch not in "\n\r\t") or ch in BIDI_CONTROLS for ch in value):
        raise ValidationError(_("Use plain text without control characters."), code="plain_text")


def _announcement_field(code: str) -> str:
    return f"announcement_{code}"


def _label_field(code: str) -> str:
    return f"label_{code}"


# ---------------------------------------------------------------- the settings form


class BrandingImageInput(forms.ClearableFileInput):
    """The upload box; the current image links to the portal's own branding URL (there is no media URL)."""

    current_url = ""

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        if context["widget"]["is_initial"]:
            context["widget"]["value"] = _CurrentImage(self.current_url)
        return context


class _CurrentImage:
    def __init__(self, url: str):
        self.url = url

    def __str__(self) -> str:
        return str(_("current image"))


class PortalSettingsForm(forms.ModelForm):
    """The settings with one announcement box per portal language."""

    attachment_types = forms.MultipleChoiceField(
        label=_("Allowed attachment types"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        choices=[(key, ", ".join(f".{e}" for e in kind.extensions)) for key, kind in KINDS.items()],
        help_text=_("None ticked: every type listed. Programs, web pages and SVG images are never accepted."),
    )

    class Meta:
        model = PortalSettings
        fields = (
            "portal_name",
            "logo",
            "login_background",
            "brand_colour",
            "access_ending_banner_days",
            "attachment_max_mb",
            "attachment_types",
        )
        widgets = {
            "logo": BrandingImageInput(attrs={"accept": "image/png,image/jpeg,image/webp"}),
            "login_background": BrandingImageInput(attrs={"accept": "image/png,image/jpeg,image/webp"}),
            "brand_colour": forms.TextInput(attrs={"placeholder": "#0b5cad", "size": 8, "maxlength": 7}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        announcement = self.instance.announcement or {}
        for code, _name in settings.LANGUAGES:
            self.fields[_announcement_field(code)] = forms.CharField(
                label=_language_name(code),
                required=False,
                max_length=ANNOUNCEMENT_MAX,
                initial=announcement.get(code, ""),
                validators=[_plain_text],
                widget=forms.Textarea(attrs={"rows": 3, "cols": 80}),
            )
        for name, kind in (("logo", "logo"), ("login_background", "background")):
            if name in self.fields:  # not on a view-only page
                self.fields[name].widget.current_url = self.instance.image_url(kind) if self.instance.pk else ""

    def clean(self):
        cleaned = super().clean()
        self.instance.announcement = {
            code: text
            for code, _name in settings.LANGUAGES
            if (text := (cleaned.get(_announcement_field(code)) or "").strip())
        }
        return cleaned


# ---------------------------------------------------------------- modules


class ModuleSettingForm(forms.ModelForm):
    """A module's switch, position and a label box per language (blank: the built-in translated label)."""

    class Meta:
        model = ModuleSetting
        fields = ("enabled", "order")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        labels = self.instance.labels or {}
        for code, _name in settings.LANGUAGES:
            self.fields[_label_field(code)] = forms.CharField(
                label=_("Label (%(language)s)") % {"language": _language_name(code)},
                required=False,
                max_length=LABEL_MAX,
                initial=labels.get(code, ""),
                validators=[single_line],
                widget=forms.TextInput(attrs={"size": 14}),
            )

    def clean(self):
        cleaned = super().clean()
        self.instance.labels = {
            code: label
            for code, _name in settings.LANGUAGES
            if (label := (cleaned.get(_label_field(code)) or "").strip())
        }
        return cleaned

    def has_changed(self):
        return True  # labels live outside the model fields: always save the row


class ModuleSettingInline(admin.TabularInline):
    model = ModuleSetting
    form = ModuleSettingForm
    fields = ("enabled", "order", *[_label_field(code) for code, _name in settings.LANGUAGES])
    extra = 0
    can_delete = False
    verbose_name = _("portal module")
    verbose_name_plural = _("Modules: on or off for everyone, menu order, label per language (blank: built-in)")

    def get_formset(self, request, obj=None, **kwargs):
        kwargs["fields"] = list(ModuleSettingForm.Meta.fields)  # the label boxes are the form's own
        return super().get_formset(request, obj, **kwargs)

    def get_queryset(self, request):
        keys = [m.key for m in grantable_modules()]
        return super().get_queryset(request).filter(key__in=keys)

    def has_add_permission(self, request, obj=None):
        return False  # every registered module has its row; staff never add one


def ensure_module_rows() -> None:
    """Give every registered module (except the always-on start page) its settings row."""
    existing = set(ModuleSetting.objects.values_list("key", flat=True))
    missing = [
        ModuleSetting(key=module.key, order=module.order)
        for module in grantable_modules()
        if module.key not in existing
    ]
    if missing:
        ModuleSetting.objects.bulk_create(missing, ignore_conflicts=True)
        invalidate()


# ---------------------------------------------------------------- email templates


class ExternalLinkInline(admin.TabularInline):
    """Links on the dashboard, each for everyone or for chosen profiles."""

    model = ExternalLink
    extra = 0
    fields = ("title", "url", "profiles", "order")
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}


class EmailTemplateInline(admin.StackedInline):
    model = EmailTemplate
    extra = 0
    fields = (("kind", "language"), "subject", "body", "preview")
    readonly_fields = ("preview",)
    verbose_name_plural = _("Email templates: each replaces the built-in email of its kind in its language")

    @admin.display(description=_("preview"))
    def preview(self, obj):
        if obj is None or not obj.pk:
            return _("Save the template first, then preview it with a real contact.")
        url = reverse("admin:portal_portalsettings_preview", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, _("Preview with a contact"))


# ---------------------------------------------------------------- the one screen


@admin.register(PortalSettings)
class PortalSettingsAdmin(SingletonAdmin):
    """Portal settings: a single page, never a list; the row is created on first visit."""

    saved_message = _("The portal settings were saved.")

    form = PortalSettingsForm
    inlines = [ModuleSettingInline, ExternalLinkInline, EmailTemplateInline]
    readonly_fields = ("announcement_texts", "module_settings")
    save_on_top = True

    def get_fieldsets(self, request, obj=None):
        announcement = [_announcement_field(code) for code, _name in settings.LANGUAGES]
        if not self.has_change_permission(request, obj):
            announcement = ["announcement_texts"]  # a view-only page shows the texts, not the boxes
        return [
            (_("Branding"), {"fields": ("portal_name", "logo", "login_background", "brand_colour")}),
            (
                _("Announcement"),
                {
                    "fields": announcement,
                    "description": _(
                        "Plain text on every portal user's start page, in their language. A language left blank "
                        "shows the text of the default language; all blank: no announcement."
                    ),
                },
            ),
            (_("Dashboard"), {"fields": ("access_ending_banner_days",)}),
            (
                _("Attachments"),
                {
                    "fields": ("attachment_max_mb", "attachment_types"),
                    "description": format_html(
                        '<span id="{}">{}</span>',
                        ATTACHMENTS_ANCHOR,
                        _("The files portal users may attach, in every module (cases and those to come)."),
                    ),
                },
            ),
            (_("Module settings"), {"fields": ("module_settings",)}),
        ]

    @admin.display(description=_("settings of each module"))
    def module_settings(self, obj):
        links = [(module.label, *link) for module in all_modules() if (link := module.settings_link())]
        if not links:
            return _("No installed module has settings of its own.")
        return format_html_join(
            "",
            '<p><strong>{}:</strong> {} <a href="{}">{}</a></p>',
            [(label, summary, url, _("Open its settings")) for label, url, summary in links],
        )

    @admin.display(description=_("announcement"))
    def announcement_texts(self, obj):
        texts = [(_language_name(code), obj.announcement.get(code)) for code, _name in settings.LANGUAGES]
        return format_html_join("", "<p><strong>{}:</strong> {}</p>", [(n, t) for n, t in texts if t]) or "—"

    def get_form(self, request, obj=None, **kwargs):
        kwargs["fields"] = list(PortalSettingsForm.Meta.fields)  # the announcement boxes are the form's own
        return super().get_form(request, obj, **kwargs)

    def prepare(self) -> None:
        ensure_module_rows()

    def get_urls(self):
        view = self.admin_site.admin_view(self.preview_view)
        return [path("preview/<int:template_id>/", view, name="portal_portalsettings_preview"), *super().get_urls()]

    def preview_view(self, request, template_id: int):
        """Show an email template's subject and body as a chosen contact would get them, in its language."""
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        template = EmailTemplate.objects.filter(pk=template_id).first()
        if template is None:
            raise Http404
        contact, error = _chosen_contact(request.GET.get("contact", ""))
        query = request.GET.get("q", "").strip()[:100]
        subject, body = template.render(
            placeholder_values(template.kind, preview_context(template.kind, contact), template.language)
        )
        context = {
            **self.admin_site.each_context(request),
            "title": _("Preview: %(template)s") % {"template": template},
            "opts": self.opts,
            "template": template,
            "contact": contact,
            "error": error,
            "query": query,
            "results": _search_contacts(query) if query else [],
            "subject": subject,
            "body": body,
            "settings_url": reverse("admin:portal_portalsettings_change", args=[PortalSettings.SINGLETON]),
        }
        response = TemplateResponse(request, "admin/portal/email_preview.html", context)
        response["Cache-Control"] = "no-store"
        return response


def _chosen_contact(raw: str) -> tuple[Contact | None, str]:
    """The contact named in the query string; without one, the first contact with portal access."""
    contacts = Contact.objects.select_related("account", "portal_access")
    if raw:
        contact = contacts.filter(pk=int(raw)).first() if raw.isascii() and raw.isdigit() and len(raw) < 19 else None
        if contact is not None:
            return contact, ""
        error = _("There is no contact with that number; the preview uses another contact.")
    else:
        error = ""
    contact = contacts.filter(portal_access__isnull=False).order_by("pk").first() or contacts.order_by("pk").first()
    return contact, str(error)


def _search_contacts(query: str) -> list[Contact]:
    words = Q()
    for field in ("first_name", "last_name", "email", "account__name"):
        words |= Q(**{f"{field}__icontains": query})
    return list(Contact.objects.filter(words).select_related("account").order_by("last_name", "pk")[:SEARCH_RESULTS])
