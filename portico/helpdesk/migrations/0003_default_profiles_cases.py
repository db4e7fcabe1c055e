"""Both starting profiles get the Cases module: a standard user follows their own cases, a key contact the
company's. Both may open cases, reply, close, reopen and rate, and choose the category and priority.
"""

from django.db import migrations

FIELDS = [
    "number",
    "subject",
    "status",
    "priority",
    "category",
    "contact",
    "created_at",
    "public_updated_at",
    "first_response_due",
    "resolution_due",
    "resolved_at",
    "closed_at",
    "rating",
]
EDITABLE = {"priority", "category"}
SCOPES = {"Standard user": "own", "Key contact": "company"}


def grant(apps, schema_editor):
    PortalProfile = apps.get_model("access", "PortalProfile")
    for profile in PortalProfile.objects.filter(name__in=SCOPES):
        profile.grants["cases"] = {
            "view": True,
            "create": True,
            "edit": True,
            "actions": True,
            "scope": SCOPES[profile.name],
            "fields": {name: "edit" if name in EDITABLE else "read" for name in FIELDS},
        }
        profile.save(update_fields=["grants"])


def ungrant(apps, schema_editor):
    PortalProfile = apps.get_model("access", "PortalProfile")
    for profile in PortalProfile.objects.filter(name__in=SCOPES):
        profile.grants.pop("cases", None)
        profile.save(update_fields=["grants"])


class Migration(migrations.Migration):
    dependencies = [("helpdesk", "0002_default_sla_policies"), ("access", "0008_key_contact_activity")]
    operations = [migrations.RunPython(grant, ungrant)]
