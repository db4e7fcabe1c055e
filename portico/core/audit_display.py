"""How audit entries read to people: actions in words, kinds of action to filter by, and old → new per field."""

from __future__ import annotations

from functools import cache

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.db.models import Q
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from portico.core.models import AuditEntry

# Whole actions with words of their own; other actions are read by their last part (see VERBS).
ACTIONS = {
    "signed_in": _("signed in"),
    "other_sessions_ended": _("signed out other devices"),
    "portal_access.granted": _("granted access"),
    "portal_access.revoked": _("revoked access"),
    "portal_access.invited": _("sent an invitation"),
    "portal_access.invitation_accepted": _("accepted the invitation"),
    "portal_access.email_changed": _("changed the email address"),
    "portal_access.temporary_password": _("set a temporary password"),
    "portal.view_as_started": _("started viewing the portal as"),
    "portal.view_as_ended": _("stopped viewing the portal as"),
}
VERBS = {
    "updated": _("changed"),
    "changed": _("changed"),
    "added": _("added"),
    "created": _("added"),
    "deleted": _("removed"),
    "removed": _("removed"),
}

# Kinds of action, for the filters of the portal's Activity page and the back office's audit list.
KINDS: dict[str, tuple[object, Q]] = {
    "signed_in": (_("Sign-ins"), Q(action="signed_in") | Q(action="other_sessions_ended")),
    "changed": (_("Changes"), Q(action__endswith=".updated") | Q(action__endswith=".changed")),
    "added": (_("Additions"), Q(action__endswith=".added") | Q(action__endswith=".created")),
    "access": (_("Portal access"), Q(action__startswith="portal_access.")),
}


def action_in_words(action: str) -> str:
    """Return an action as a translated verb phrase ("changed", "signed in", "granted access")."""
    if action in ACTIONS:
        return str(ACTIONS[action])
    verb = VERBS.get(action.rsplit(".", 1)[-1])
    return str(verb) if verb else action.replace("_", " ").replace(".", ": ")


def kind_choices() -> list[tuple[str, object]]:
    return [(key, label) for key, (label, _q) in KINDS.items()]


def filter_kind(queryset: models.QuerySet, kind: str) -> models.QuerySet:
    """Restrict audit entries to one kind of action; an unknown kind leaves the queryset as it is."""
    return queryset.filter(KINDS[kind][1]) if kind in KINDS else queryset


@cache
def _model_named(name: str) -> type[models.Model] | None:
    """The model whose name matches an action's first part ("portal_access" → PortalAccess), if any."""
    wanted = name.replace("_", "")
    return next((m for m in apps.get_models() if m._meta.model_name == wanted), None)


def _field(entry: AuditEntry, name: str) -> models.Field | None:
    """The model field a change names: on the record itself, else on the model the action is named after."""
    candidates = [entry.content_type.model_class() if entry.content_type_id else None]
    if "." in entry.action:
        candidates.append(_model_named(entry.action.split(".", 1)[0]))
    for model in candidates:
        if model is None:
            continue
        try:
            return model._meta.get_field(name)
        except FieldDoesNotExist:
            continue
    return None


def _shown(value: object, field: models.Field | None) -> str:
    if value is None or value == "":
        return "—"
    if value is True or value is False:
        return str(_("Yes") if value else _("No"))
    choices = dict(field.flatchoices) if field is not None and getattr(field, "choices", None) else {}
    return str(choices.get(value, value))


def change_rows(entry: AuditEntry) -> list[tuple[str, str, str]]:
    """Return (field label, old, new) for each change of an entry, in the words people read.

    Needs `entry.content_type` loaded (select_related) to stay free of queries.
    """
    changes = entry.changes if isinstance(entry.changes, dict) else {}
    rows = []
    for name, values in changes.items():
        old, new = values if isinstance(values, (list, tuple)) and len(values) == 2 else (None, values)
        field = _field(entry, name)
        label = capfirst(str(field.verbose_name)) if field is not None else capfirst(name.replace("_", " "))
        rows.append((label, _shown(old, field), _shown(new, field)))
    return rows


def browser_in_words(user_agent: str) -> str:
    """Return "Firefox on Windows"-style words for a browser's user agent, or the raw string shortened."""
    ua = user_agent or ""
    browser = next((name for token, name in _BROWSERS if token in ua), "")
    system = next((name for token, name in _SYSTEMS if token in ua), "")
    if browser and system:
        return str(_("%(browser)s on %(system)s") % {"browser": browser, "system": system})
    return browser or system or (ua[:60] + "…" if len(ua) > 60 else ua) or "—"


# Order matters: Edge and Opera also say Chrome, Chrome also says Safari, Android also says Linux.
_BROWSERS = (("Edg/", "Edge"), ("OPR/", "Opera"), ("Firefox/", "Firefox"), ("Chrome/", "Chrome"), ("Safari/", "Safari"))
_SYSTEMS = (
    ("Windows", "Windows"),
    ("iPhone", "iOS"),
    ("iPad", "iPadOS"),
    ("Mac OS X", "macOS"),
    ("Android", "Android"),
    ("CrOS", "ChromeOS"),
    ("Linux", "Linux"),
)
