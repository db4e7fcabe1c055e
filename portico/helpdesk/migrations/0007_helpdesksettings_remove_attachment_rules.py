"""Schema: the helpdesk settings lose their attachment rules, copied to the portal settings by 0006."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("helpdesk", "0006_attachment_rules_to_portal"),
    ]

    operations = [
        migrations.RemoveField(
            model_name="helpdesksettings",
            name="allowed_types",
        ),
        migrations.RemoveField(
            model_name="helpdesksettings",
            name="attachment_max_mb",
        ),
    ]
