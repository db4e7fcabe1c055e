"""Declarations of the portal modules built on the CRM core."""

from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _

from portico.access import engine
from portico.access.models import Scope
from portico.access.registry import PortalModule, register
from portico.core.models import AuditEntry
from portico.crm.models import Account, Contact


@register
class HomeModule(PortalModule):
    """The start page: lists the modules the principal may use."""

    key = "home"
    label = _("Home")
    url_name = "portal:home"
    always_on = True
    order = 0


@register
class MyDetailsModule(PortalModule):
    """The principal's own contact record."""

    key = "my_details"
    label = _("My details")
    description = _("Your name, phone numbers, job title and language.")
    url_name = "portal:my_details"
    model = Contact
    contact_lookup = "pk"
    account_lookup = "account_id"
    scopes = (Scope.OWN,)
    fields = (
        "first_name",
        "last_name",
        "email",
        "phone",
        "mobile",
        "job_title",
        "department",
        "language",
        "email_opt_out",
    )
    # The email is the login: staff change it (which re-invites), never the portal.
    never_editable = frozenset({"email"})
    supports_edit = True
    order = 10

    def widget(self, principal):
        return {"record": principal.contact}


@register
class MyCompanyModule(PortalModule):
    """The principal's own account (company)."""

    key = "my_company"
    label = _("My company")
    description = _("Your company's address and contact details.")
    url_name = "portal:my_company"
    model = Account
    account_lookup = "pk"
    scopes = (Scope.COMPANY,)
    fields = (
        "name",
        "business_id",
        "vat_number",
        "country",
        "street_address",
        "postal_code",
        "city",
        "phone",
        "email",
        "website",
    )
    never_editable = frozenset({"business_id"})
    supports_edit = True
    order = 20

    def widget(self, principal):
        return {"record": principal.account}


@register
class ColleaguesModule(PortalModule):
    """The contacts of the principal's company and their portal access, for company admins."""

    key = "colleagues"
    label = _("Colleagues")
    description = _("People at your company and their portal access.")
    url_name = "portal:colleagues"
    model = Contact
    account_lookup = "account_id"
    scopes = (Scope.COMPANY, Scope.COMPANY_AND_SUBSIDIARIES)
    fields = ("first_name", "last_name", "email", "phone", "mobile", "job_title", "department", "language")
    supports_create = True
    supports_edit = True
    actions = ("grant_access", "revoke_access", "resend_invitation")
    requires_company_admin = True
    order = 30

    def base_queryset(self):
        return Contact.objects.select_related("account", "portal_access__profile")

    def widget(self, principal):
        colleagues = engine.visible(principal, self)
        counts = colleagues.aggregate(
            total=Count("pk"), with_access=Count("pk", filter=Q(portal_access__is_active=True))
        )
        latest = list(colleagues.order_by("-created_at", "-pk")[:5])
        return {"counts": counts, "latest": latest}


@register
class ActivityModule(PortalModule):
    """The company's portal activity (its audit entries made through the portal), for company admins."""

    key = "activity"
    label = _("Activity")
    description = _("Who at your company signed in and what they changed in the portal.")
    url_name = "portal:activity"
    model = AuditEntry
    account_lookup = "account_id"
    scopes = (Scope.COMPANY,)
    requires_company_admin = True
    order = 40

    def base_queryset(self):
        return AuditEntry.objects.filter(source="portal")

    def widget(self, principal):
        latest = list(
            engine.visible(principal, self).select_related("actor_contact").order_by("-created_at", "-pk")[:5]
        )
        return {"latest": latest}
