"""Key contacts manage their colleagues: the Colleagues module for the "Key contact" profile."""

from django.db import migrations

COLLEAGUE_FIELDS = ["first_name", "last_name", "email", "phone", "mobile", "job_title", "department", "language"]


def grant(apps, schema_editor):
    PortalProfile = apps.get_model("access", "PortalProfile")
    for profile in PortalProfile.objects.filter(name="Key contact"):
        profile.grants["colleagues"] = {
            "view": True,
            "create": True,
            "edit": True,
            "actions": True,
            "scope": "company",
            "fields": {name: "edit" for name in COLLEAGUE_FIELDS},
        }
        profile.save(update_fields=["grants"])


def ungrant(apps, schema_editor):
    PortalProfile = apps.get_model("access", "PortalProfile")
    for profile in PortalProfile.objects.filter(name="Key contact"):
        profile.grants.pop("colleagues", None)
        profile.save(update_fields=["grants"])


class Migration(migrations.Migration):
    dependencies = [("access", "0004_standard_user_assignable")]
    operations = [migrations.RunPython(grant, ungrant)]
