"""Create the two starting portal profiles: "Standard user" and "Key contact"."""

from django.db import migrations

CONTACT_FIELDS = ["first_name", "last_name", "email", "phone", "mobile", "job_title", "department", "language", "email_opt_out"]
CONTACT_EDITABLE = {"first_name", "last_name", "phone", "mobile", "job_title", "department", "language", "email_opt_out"}
ACCOUNT_FIELDS = ["name", "business_id", "vat_number", "country", "street_address", "postal_code", "city", "phone", "email", "website"]
ACCOUNT_EDITABLE_BY_KEY_CONTACT = {"street_address", "postal_code", "city", "phone", "email", "website"}


def my_details():
    return {"view": True, "edit": True, "scope": "own",
            "fields": {f: "edit" if f in CONTACT_EDITABLE else "read" for f in CONTACT_FIELDS}}


def my_company(editable):
    return {"view": True, "edit": bool(editable), "scope": "company",
            "fields": {f: "edit" if f in editable else "read" for f in ACCOUNT_FIELDS}}


def create_profiles(apps, schema_editor):
    PortalProfile = apps.get_model("access", "PortalProfile")
    PortalProfile.objects.update_or_create(
        name="Standard user",
        defaults={"description": "Sees and edits their own details; sees their company's details.",
                  "grants": {"my_details": my_details(), "my_company": my_company(set())}},
    )
    PortalProfile.objects.update_or_create(
        name="Key contact",
        defaults={"description": "A customer's main contact: may also edit the company's address and contact details.",
                  "grants": {"my_details": my_details(), "my_company": my_company(ACCOUNT_EDITABLE_BY_KEY_CONTACT)}},
    )


def remove_profiles(apps, schema_editor):
    apps.get_model("access", "PortalProfile").objects.filter(name__in=["Standard user", "Key contact"], accesses__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("access", "0001_access_initial")]
    operations = [migrations.RunPython(create_profiles, remove_profiles)]
