"""Back office for portal access: the Portal section on contacts, bulk actions, and the profile editor."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from portico.access import services
from portico.access.admin_views import ProfilePreviewAdminMixin, ViewAsAdminMixin
from portico.access.models import FieldMode, PortalAccess, PortalProfile
from portico.access.registry import grantable_modules, validate_grants
from portico.crm.admin import ContactAdmin as CrmContactAdmin
from portico.crm.models import Contact

# ---------------------------------------------------------------- profile editor (one screen)


def _grant_field(module, what):
    return f"{module.key}__{what}"


class PortalProfileForm(forms.ModelForm):
    """Edit every module grant, record scope and field rule of a profile on one screen."""

    class Meta:
        model = PortalProfile
        fields = ("name", "description", "assignable_by_company_admin")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        grants = (self.instance.grants if self.instance and self.instance.pk else {}) or {}
        for module in grantable_modules():
            data = grants.get(module.key, {})
            self.fields[_grant_field(module, "view")] = forms.BooleanField(
                label=_("May view"), required=False, initial=bool(data.get("view"))
            )
            if module.supports_create:
                self.fields[_grant_field(module, "create")] = forms.BooleanField(
                    label=_("May create"), required=False, initial=bool(data.get("create"))
                )
            if module.supports_edit:
                self.fields[_grant_field(module, "edit")] = forms.BooleanField(
                    label=_("May edit"), required=False, initial=bool(data.get("edit"))
                )
            if module.actions:
                self.fields[_grant_field(module, "actions")] = forms.BooleanField(
                    label=_("May run actions"), required=False, initial=bool(data.get("actions"))
                )
            if len(module.scopes) > 1:
                from portico.access.models import Scope

                self.fields[_grant_field(module, "scope")] = forms.ChoiceField(
                    label=_("Record scope"),
                    choices=[(s, Scope(s).label) for s in module.scopes],
                    initial=data.get("scope", module.scopes[0]),
                )
            field_data = data.get("fields", {})
            for name in module.fields:
                choices = [
                    c for c in FieldMode.choices if not (c[0] == FieldMode.EDIT and name in module.never_editable)
                ]
                self.fields[_grant_field(module, f"field__{name}")] = forms.ChoiceField(
                    label=module.field_label(name),
                    choices=choices,
                    initial=field_data.get(name, FieldMode.HIDDEN),
                )

    def clean(self):
        cleaned = super().clean()
        grants = self.grants_from(cleaned)
        try:
            validate_grants(grants)
        except ValidationError as exc:
            raise ValidationError(exc.messages) from exc
        self.instance.grants = grants
        return cleaned

    @classmethod
    def grants_from(cls, cleaned) -> dict:
        """Return the grants the form's boxes describe (the modules ticked "May view")."""
        modules = grantable_modules()
        return {m.key: cls._grant_from(cleaned, m) for m in modules if cleaned.get(_grant_field(m, "view"))}

    @staticmethod
    def _grant_from(cleaned, module):
        def get(what, default=None):
            return cleaned.get(_grant_field(module, what), default)

        return {
            "view": True,
            "create": bool(get("create")),
            "edit": bool(get("edit")),
            "actions": bool(get("actions")),
            "scope": get("scope", module.scopes[0]),
            "fields": {name: get(f"field__{name}", FieldMode.HIDDEN) for name in module.fields},
        }


@admin.register(PortalProfile)
class PortalProfileAdmin(ProfilePreviewAdminMixin, admin.ModelAdmin):
    form = PortalProfileForm
    list_display = ("name", "description", "modules", "assignable_by_company_admin", "contact_count")
    search_fields = ("name",)

    def get_fieldsets(self, request, obj=None):
        sets = [(None, {"fields": ("name", "description", "assignable_by_company_admin")})]
        for module in grantable_modules():
            grant_fields = [_grant_field(module, w) for w in ("view", "create", "edit", "actions", "scope")]
            names = [n for n in grant_fields if self._has(module, n)]
            sets.append(
                (
                    module.label,
                    {"fields": [tuple(names), *[_grant_field(module, f"field__{n}") for n in module.fields]]},
                )
            )
        return sets

    @staticmethod
    def _has(module, name):
        what = name.rsplit("__", 1)[1]
        return {
            "view": True,
            "create": module.supports_create,
            "edit": module.supports_edit,
            "actions": bool(module.actions),
            "scope": len(module.scopes) > 1,
        }[what]

    def get_form(self, request, obj=None, **kwargs):
        # The grant fields are built by the form itself from the module registry.
        kwargs["fields"] = ["name", "description", "assignable_by_company_admin"]
        return super().get_form(request, obj, **kwargs)

    def get_queryset(self, request):
        from django.db.models import Count

        return super().get_queryset(request).annotate(_contacts=Count("accesses"))

    @admin.display(description=_("modules"))
    def modules(self, obj):
        labels = {m.key: str(m.label) for m in grantable_modules()}
        return ", ".join(labels[k] for k in obj.grants if k in labels) or "—"

    @admin.display(description=_("contacts"), ordering="_contacts")
    def contact_count(self, obj):
        return obj._contacts


# ---------------------------------------------------------------- the Portal section on contacts


class PortalAccessInline(admin.StackedInline):
    model = PortalAccess
    fk_name = "contact"
    can_delete = False
    max_num = 1
    min_num = 0
    extra = 1
    verbose_name = _("portal")
    verbose_name_plural = _("portal")
    fields = (
        ("is_active", "is_company_admin"),
        "profile",
        ("support_start", "portal_end"),
        ("invitation_sent_at", "invitation_accepted_at"),
        ("last_login_at", "login_count"),
    )
    readonly_fields = ("invitation_sent_at", "invitation_accepted_at", "last_login_at", "login_count")


class PortalAccessActions:
    """Bulk portal-access actions shared by the contact list and the portal-user list."""

    def contacts_for(self, queryset):
        return queryset

    def _each(self, request, queryset, func, done_message):
        done, errors = 0, []
        for contact in self.contacts_for(queryset).select_related("account"):
            try:
                with transaction.atomic():
                    func(contact)
                done += 1
            except ValidationError as exc:
                errors.append(f"{contact}: {' '.join(exc.messages)}")
        if done:
            self.message_user(request, done_message(done), messages.SUCCESS)
        for error in errors:
            self.message_user(request, error, messages.ERROR)

    @admin.action(description=_("Grant portal access and send invitation"), permissions=["change"])
    def grant_and_invite(self, request, queryset):
        def grant(contact):
            services.grant_access(contact=contact, actor=request.user)

        self._each(
            request,
            queryset,
            grant,
            lambda n: (
                ngettext(
                    "Portal access granted and %(count)d invitation sent.",
                    "Portal access granted and %(count)d invitations sent.",
                    n,
                )
                % {"count": n}
            ),
        )

    @admin.action(description=_("Resend portal invitation"), permissions=["change"])
    def resend_invitation(self, request, queryset):
        def resend(contact):
            access = (
                PortalAccess.objects.filter(contact=contact, is_active=True)
                .select_related("user", "contact__account")
                .first()
            )
            if access is None:
                raise ValidationError(_("Portal access is not active."))
            services.send_invitation(access=access, actor=request.user)

        self._each(
            request,
            queryset,
            resend,
            lambda n: ngettext("%(count)d invitation sent.", "%(count)d invitations sent.", n) % {"count": n},
        )

    @admin.action(description=_("Revoke portal access"), permissions=["change"])
    def revoke(self, request, queryset):
        def revoke(contact):
            access = PortalAccess.objects.filter(contact=contact).select_related("user").first()
            if access is None or not access.is_active:
                raise ValidationError(_("Portal access is not active."))
            services.revoke_access(access=access, actor=request.user)

        self._each(
            request,
            queryset,
            revoke,
            lambda n: (
                ngettext(
                    "Portal access revoked for %(count)d contact.", "Portal access revoked for %(count)d contacts.", n
                )
                % {"count": n}
            ),
        )


admin.site.unregister(Contact)


@admin.register(Contact)
class ContactAdmin(ViewAsAdminMixin, PortalAccessActions, CrmContactAdmin):
    """The CRM contact screen with its Portal section and portal-access actions."""

    inlines = [PortalAccessInline]
    list_display = (*CrmContactAdmin.list_display, "portal_status")
    list_filter = ("portal_access__is_active", "portal_access__profile", *CrmContactAdmin.list_filter)
    list_select_related = (*CrmContactAdmin.list_select_related, "portal_access")
    actions = ["grant_and_invite", "resend_invitation", "revoke", "temporary_password"]

    @admin.display(description=_("portal"), boolean=True, ordering="portal_access__is_active")
    def portal_status(self, obj):
        access = getattr(obj, "portal_access", None)
        return bool(access and access.is_active)

    def save_model(self, request, obj, form, change):
        self._old_email = Contact.objects.filter(pk=obj.pk).values_list("email", flat=True).first() if change else None
        old = PortalAccess.objects.filter(contact_id=obj.pk).values("is_active", "user_id").first() if change else None
        self._was_active = bool(old and old["is_active"])
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        with transaction.atomic():
            super().save_related(request, form, formsets, change)
            contact = form.instance
            access = PortalAccess.objects.filter(contact=contact).select_related("user", "contact__account").first()
            if self._old_email and self._old_email != contact.email:
                services.contact_email_changed(contact=contact, old_email=self._old_email, actor=request.user)
                access = PortalAccess.objects.filter(contact=contact).select_related("user").first()
                if access and access.is_active:
                    self.message_user(
                        request,
                        _("The email changed: a new invitation was sent to %(email)s.") % {"email": contact.email},
                    )
            if access is None:
                return
            if access.is_active and not self._was_active:
                services.grant_access(contact=contact, actor=request.user)
                if access.invitation_accepted_at:
                    self.message_user(request, _("Portal access granted again; the contact can sign in as before."))
                else:
                    self.message_user(
                        request,
                        _("Portal access granted; an invitation was sent to %(email)s.") % {"email": contact.email},
                    )
            elif self._was_active and not access.is_active:
                services.revoke_access(access=access, actor=request.user)
                self.message_user(request, _("Portal access revoked; the contact's sessions have ended."))

    @admin.action(description=_("Set a temporary password (shown once)"), permissions=["change"])
    def temporary_password(self, request, queryset):
        rows, errors = [], []
        for contact in queryset.select_related("account"):
            access = PortalAccess.objects.filter(contact=contact).select_related("user", "contact").first()
            try:
                if access is None:
                    raise ValidationError(_("Portal access is not active."))
                rows.append((contact, services.set_temporary_password(access=access, actor=request.user)))
            except ValidationError as exc:
                errors.append(f"{contact}: {' '.join(exc.messages)}")
        context = {
            **self.admin_site.each_context(request),
            "title": _("Temporary passwords"),
            "rows": rows,
            "errors": errors,
            "opts": self.model._meta,
        }
        response = TemplateResponse(request, "admin/access/temporary_passwords.html", context)
        response["Cache-Control"] = "no-store"
        return response


# ---------------------------------------------------------------- every portal user on one list


class WindowFilter(admin.SimpleListFilter):
    title = _("access window")
    parameter_name = "window"

    def lookups(self, request, model_admin):
        return [
            ("open", _("Open today")),
            ("ending", _("Ends within 30 days")),
            ("ended", _("Ended")),
            ("future", _("Not started")),
        ]

    def queryset(self, request, queryset):
        from datetime import timedelta

        from django.utils import timezone

        today = timezone.localdate()
        return {
            "open": lambda: queryset.filter(support_start__lte=today, portal_end__gte=today),
            "ending": lambda: queryset.filter(portal_end__gte=today, portal_end__lte=today + timedelta(days=30)),
            "ended": lambda: queryset.filter(portal_end__lt=today),
            "future": lambda: queryset.filter(support_start__gt=today),
        }.get(self.value(), lambda: queryset)()


@admin.register(PortalAccess)
class PortalAccessAdmin(PortalAccessActions, admin.ModelAdmin):
    """All portal users with their windows, invitations and sign-in activity."""

    list_display = (
        "contact",
        "account",
        "user",
        "is_active",
        "is_company_admin",
        "profile",
        "support_start",
        "portal_end",
        "invitation_sent_at",
        "invitation_accepted_at",
        "last_login_at",
        "login_count",
    )
    list_filter = ("is_active", "is_company_admin", "profile", WindowFilter)
    search_fields = ("contact__first_name", "contact__last_name", "contact__email", "contact__account__name")
    list_select_related = ("contact__account", "user", "profile")
    autocomplete_fields = ("contact",)
    readonly_fields = ("user", "invitation_sent_at", "invitation_accepted_at", "last_login_at", "login_count")
    date_hierarchy = "portal_end"
    show_full_result_count = False
    actions = ["resend_invitation", "revoke"]

    @admin.display(description=_("account"), ordering="contact__account__name")
    def account(self, obj):
        return obj.contact.account

    def has_add_permission(self, request):
        return False  # access is granted on the contact

    def contacts_for(self, queryset):
        return Contact.objects.filter(portal_access__in=queryset)
