"""Declarations of the portal modules built on the CRM core."""

from django.utils.translation import gettext_lazy as _

from portico.access.models import Scope
from portico.access.registry import PortalModule, register
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
