"""Write audit entries."""

from django.contrib.contenttypes.models import ContentType
from django.db import models

from portico.core.models import AuditEntry


def _plain(value):
    if isinstance(value, models.Model):
        return str(value)
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return str(value)


def diff(before: dict, after: dict) -> dict:
    """Return {field: [old, new]} for the values that differ."""
    return {k: [_plain(before.get(k)), _plain(after.get(k))] for k in after if before.get(k) != after.get(k)}


def log_action(
    *,
    action: str,
    actor=None,
    actor_contact=None,
    target=None,
    changes=None,
    source="backoffice",
    account_id=None,
    ip_address: str | None = None,
    user_agent: str = "",
):
    """Record that `actor` (optionally acting as `actor_contact`) did `action` to `target`."""
    entry = AuditEntry(
        action=action,
        actor=actor,
        actor_contact=actor_contact,
        source=source,
        changes=changes or {},
        ip_address=ip_address or None,
        user_agent=(user_agent or "")[:300],
    )
    if target is not None:
        entry.content_type = ContentType.objects.get_for_model(target)
        entry.object_id = str(target.pk)
        entry.object_repr = str(target)[:200]
    entry.account_id = account_id if account_id is not None else getattr(actor_contact, "account_id", None)
    entry.save()
    return entry
