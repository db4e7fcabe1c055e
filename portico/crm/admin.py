"""Back office for accounts and contacts."""

from django.contrib import admin
from django.db import models
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from portico.core.admin import AuditTrailMixin
from portico.crm.models import Account, Contact


class ContactInline(admin.TabularInline):
    model = Contact
    fields = ("first_name", "last_name", "email", "phone", "job_title")
    extra = 0
    show_change_link = True


class SubsidiaryInline(admin.TabularInline):
    model = Account
    fk_name = "parent"
    fields = ("name", "business_id", "country", "is_active")
    extra = 0
    show_change_link = True
    verbose_name = _("subsidiary")
    verbose_name_plural = _("subsidiaries")


@admin.register(Account)
class AccountAdmin(AuditTrailMixin, admin.ModelAdmin):
    list_display = ("name", "business_id", "country", "city", "parent", "owner", "contact_count", "is_active")
    list_filter = ("is_active", "country", "owner")
    search_fields = ("name", "business_id", "vat_number", "email", "city")
    list_select_related = ("parent", "owner")
    autocomplete_fields = ("parent", "owner")
    readonly_fields = ("created_at", "updated_at")
    inlines = [SubsidiaryInline, ContactInline]
    show_full_result_count = False
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    fieldsets = (
        (None, {"fields": ("name", "business_id", "vat_number", "country", "parent", "owner", "is_active")}),
        (_("Address and contact"), {"fields": ("street_address", "postal_code", "city", "phone", "email", "website")}),
        (_("History"), {"fields": ("created_at", "updated_at"), "classes": ("collapse",)}),
    )

    def get_queryset(self, request):
        # A correlated subquery is evaluated only for the rows on the page, not for every account.
        contacts = Contact.objects.filter(account=OuterRef("pk")).order_by().values("account").annotate(n=Count("pk"))
        return super().get_queryset(request).annotate(_contacts=Coalesce(Subquery(contacts.values("n")), 0))

    @admin.display(description=_("contacts"), ordering="_contacts")
    def contact_count(self, obj):
        return obj._contacts

    def audit_trail_links(self, obj):
        url = reverse("admin:core_auditentry_changelist")
        return [*super().audit_trail_links(obj), (_("All entries of this company"), f"{url}?account={obj.pk}")]


@admin.register(Contact)
class ContactAdmin(AuditTrailMixin, admin.ModelAdmin):
    list_display = ("__str__", "email", "account", "job_title", "phone", "language", "owner")
    list_filter = ("language", "email_opt_out", "account__country", "owner")
    search_fields = ("first_name", "last_name", "email", "phone", "mobile", "account__name")
    list_select_related = ("account", "owner")
    autocomplete_fields = ("account", "owner")
    readonly_fields = ("created_at", "updated_at")
    show_full_result_count = False
    fieldsets = (
        (None, {"fields": ("first_name", "last_name", "account", "job_title", "department", "owner")}),
        (_("Contact details"), {"fields": ("email", "phone", "mobile", "language", "email_opt_out")}),
        (_("History"), {"fields": ("created_at", "updated_at"), "classes": ("collapse",)}),
    )
