"""Key contacts who are company admins see their company's portal activity: the Activity module grant."""

from django.db import migrations


def grant(apps, schema_editor):
    PortalProfile = apps.get_model("access", "PortalProfile")
    for profile in PortalProfile.objects.filter(name="Key contact"):
        profile.grants["activity"] = {"view": True, "scope": "company"}
        profile.save(update_fields=["grants"])


def ungrant(apps, schema_editor):
    PortalProfile = apps.get_model("access", "PortalProfile")
    for profile in PortalProfile.objects.filter(name="Key contact"):
        profile.grants.pop("activity", None)
        profile.save(update_fields=["grants"])


class Migration(migrations.Migration):
    dependencies = [("access", "0007_view_portal_as")]
    operations = [migrations.RunPython(grant, ungrant)]
