"""Both starting profiles ("Standard user" and "Key contact") may read the knowledge base."""

from django.db import migrations

PROFILES = ["Standard user", "Key contact"]


def grant(apps, schema_editor):
    PortalProfile = apps.get_model("access", "PortalProfile")
    for profile in PortalProfile.objects.filter(name__in=PROFILES):
        profile.grants["knowledge"] = {"view": True, "scope": "company"}
        profile.save(update_fields=["grants"])


def ungrant(apps, schema_editor):
    PortalProfile = apps.get_model("access", "PortalProfile")
    for profile in PortalProfile.objects.filter(name__in=PROFILES):
        profile.grants.pop("knowledge", None)
        profile.save(update_fields=["grants"])


class Migration(migrations.Migration):
    dependencies = [("knowledge", "0002_knowledge_fulltext_search"), ("access", "0008_key_contact_activity")]
    operations = [migrations.RunPython(grant, ungrant)]
