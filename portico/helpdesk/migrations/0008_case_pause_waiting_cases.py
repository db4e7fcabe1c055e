"""Data: a case already waiting for the customer when SLA pauses came in (0005) gets its pause start.

The pause began at the case's last status change into waiting, or at its last update when the history has none;
without it the wait would keep counting against the SLA. Reversing keeps the pauses: the field is 0005's, and
a pause set here is as true as one set by the clock.
"""

from django.db import migrations
from django.db.models import OuterRef, Subquery
from django.db.models.functions import Coalesce

WAITING = "waiting"


def pause_waiting_cases(apps, schema_editor):
    """Set `sla_paused_at` of every waiting case without one."""
    alias = schema_editor.connection.alias
    Case = apps.get_model("helpdesk", "Case")
    CaseStatusChange = apps.get_model("helpdesk", "CaseStatusChange")
    into_waiting = (
        CaseStatusChange.objects.using(alias)
        .filter(case=OuterRef("pk"), new_status=WAITING)
        .order_by("-created_at", "-pk")
        .values("created_at")[:1]
    )
    Case.objects.using(alias).filter(status=WAITING, sla_paused_at__isnull=True).update(
        sla_paused_at=Coalesce(Subquery(into_waiting), "updated_at")
    )


class Migration(migrations.Migration):
    dependencies = [
        ("helpdesk", "0007_helpdesksettings_remove_attachment_rules"),
    ]

    operations = [
        migrations.RunPython(pause_waiting_cases, migrations.RunPython.noop),
    ]
