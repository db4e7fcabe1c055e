"""Starting SLA policies, one per priority (staff change them in the back office).

Low: answer within a business day, resolve within five; normal: 4 business hours and three days; high: one
business hour and one day; urgent: 30 minutes and 4 hours around the clock.
"""

from django.db import migrations

# priority: (first response minutes, resolution minutes, business hours only)
POLICIES = {
    1: (8 * 60, 5 * 8 * 60, True),
    2: (4 * 60, 3 * 8 * 60, True),
    3: (60, 8 * 60, True),
    4: (30, 4 * 60, False),
}


def create(apps, schema_editor):
    SlaPolicy = apps.get_model("helpdesk", "SlaPolicy")
    for priority, (first, resolution, business) in POLICIES.items():
        SlaPolicy.objects.get_or_create(
            priority=priority,
            defaults={"first_response_minutes": first, "resolution_minutes": resolution, "business_hours_only": business},
        )


def remove(apps, schema_editor):
    apps.get_model("helpdesk", "SlaPolicy").objects.filter(priority__in=POLICIES).delete()


class Migration(migrations.Migration):
    dependencies = [("helpdesk", "0001_helpdesk_initial")]
    operations = [migrations.RunPython(create, remove)]
