"""Factories for portal profiles, portal access and portal users."""

from datetime import timedelta

import factory
from django.contrib.auth.hashers import make_password
from django.utils import timezone

from portico.access.models import PortalAccess, PortalProfile
from portico.access.registry import get_module
from portico.crm.tests.factories import ContactFactory
from portico.users.models import User

TEST_PASSWORD = "correct horse battery staple"

CONTACT_FIELDS = get_module("my_details").fields
ACCOUNT_FIELDS = get_module("my_company").fields


def grants(
    *, my_details="edit", my_company="read", company_editable=("street_address", "city", "phone"), colleagues=None
):
    """Build a profile's grants: each module "edit", "read" (view only) or None (not granted).

    `colleagues` is "manage" (view, create, edit, actions), "read" or None; the module exists only for
    company admins whatever the profile says.
    """
    result = {}
    if colleagues:
        manage = colleagues == "manage"
        result["colleagues"] = {
            "view": True,
            "create": manage,
            "edit": manage,
            "actions": manage,
            "scope": "company",
            "fields": dict.fromkeys(get_module("colleagues").fields, "edit" if manage else "read"),
        }
    if my_details:
        result["my_details"] = {
            "view": True,
            "edit": my_details == "edit",
            "scope": "own",
            "fields": {f: ("read" if f == "email" or my_details == "read" else "edit") for f in CONTACT_FIELDS},
        }
    if my_company:
        editable = set(company_editable) if my_company == "edit" else set()
        result["my_company"] = {
            "view": True,
            "edit": my_company == "edit",
            "scope": "company",
            "fields": {f: ("edit" if f in editable else "read") for f in ACCOUNT_FIELDS} | {"vat_number": "hidden"},
        }
    return result


class ProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PortalProfile

    name = factory.Sequence(lambda n: f"Profile {n}")
    grants = factory.LazyFunction(grants)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    password = factory.LazyFunction(lambda: make_password(TEST_PASSWORD))


class PortalAccessFactory(factory.django.DjangoModelFactory):
    """An active portal user: a contact with a login and an open access window."""

    class Meta:
        model = PortalAccess

    contact = factory.SubFactory(ContactFactory)
    user = factory.LazyAttribute(
        lambda o: User.objects.filter(email=o.contact.email).first() or UserFactory(email=o.contact.email)
    )
    is_active = True
    profile = factory.SubFactory(ProfileFactory)
    support_start = factory.LazyFunction(lambda: timezone.localdate() - timedelta(days=1))
    portal_end = factory.LazyFunction(lambda: timezone.localdate() + timedelta(days=30))
    invitation_sent_at = factory.LazyFunction(timezone.now)
    invitation_accepted_at = factory.LazyFunction(timezone.now)
