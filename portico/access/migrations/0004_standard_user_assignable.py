"""Company admins may hand out the "Standard user" profile; "Key contact" stays with staff."""

from django.db import migrations


def mark(apps, schema_editor):
    apps.get_model("access", "PortalProfile").objects.filter(name="Standard user").update(
        assignable_by_company_admin=True
    )


class Migration(migrations.Migration):
    dependencies = [("access", "0003_profile_assignable_by_company_admin")]
    operations = [migrations.RunPython(mark, migrations.RunPython.noop)]
