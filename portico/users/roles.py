"""Staff roles as groups with sensible permissions, kept in step after every migrate.

The roles are named here; each app says what they may do with its own models, on its AppConfig:

- ``back_office = True``: staff work the app's models in the back office, so the Administrator gets every
  permission of the app.
- ``staff_roles``: what the other roles may do, per model of the app, e.g.
  ``{"Support": {"helpdesk.case": ["add", "change", "view"]}}``. An action is a default permission
  ("view" grants ``view_case``) or a model's own permission by its codename as it is ("view_portal_as").

A new module thus needs only its own files. An app naming a role not listed here is reported by the system
check ``portico.users.E001`` (``portico.users.checks``); a declared model that does not exist grants nothing.
"""

from collections import defaultdict

from django.apps import apps
from django.contrib.auth.management import create_permissions
from django.contrib.auth.models import Group, Permission
from django.db import DEFAULT_DB_ALIAS

ADMINISTRATOR = "Administrator"
STAFF_ROLES = (ADMINISTRATOR, "Sales", "Support")
# Back-office apps that are not ours and so cannot carry ``back_office = True``.
THIRD_PARTY_BACK_OFFICE_APPS = {"auth", "django_tasks_database"}


def back_office_apps() -> set[str]:
    """Return the labels of the apps whose every permission the Administrator gets."""
    ours = {config.label for config in apps.get_app_configs() if getattr(config, "back_office", False)}
    return ours | THIRD_PARTY_BACK_OFFICE_APPS


def declared_grants() -> dict[str, dict[str, set[str]]]:
    """Return every app's ``staff_roles`` merged: role → "app_label.model" → actions."""
    grants: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for config in apps.get_app_configs():
        for role, models in getattr(config, "staff_roles", {}).items():
            for model, actions in models.items():
                grants[role][model].update(actions)
    return grants


def _permissions(grants: dict[str, set[str]], using: str = DEFAULT_DB_ALIAS):
    """Return the permissions that ``{"app_label.model": actions}`` names (models that do not exist: none)."""
    permissions = Permission.objects.db_manager(using)
    perms = permissions.none()
    for model, actions in grants.items():
        app_label, _, model_name = model.partition(".")
        perms = perms | permissions.filter(
            content_type__app_label=app_label,
            content_type__model=model_name,
            # A model's own permissions ("view_portal_as") are named by their codename as it is.
            codename__in=[*(f"{a}_{model_name}" for a in actions), *actions],
        )
    return perms


def ensure_staff_roles(**kwargs) -> None:
    """Create the staff groups and give them their permissions (idempotent).

    Runs after each app's migrations. Every app's permissions are created first: Django creates an app's
    permissions in its own post-migrate step, which may come after this one, and a permission created later
    would reach its role only at the next migrate. Django sends post-migrate once per app that has models, so
    the roles are set once, after the last of those.
    """
    configs = [config for config in apps.get_app_configs() if config.models_module is not None]
    if kwargs.get("app_config") not in (None, configs[-1]):
        return
    using = kwargs.get("using", DEFAULT_DB_ALIAS)
    for config in configs:
        create_permissions(config, verbosity=0, using=using)
    grants = declared_grants()
    for name in STAFF_ROLES:
        group, _ = Group.objects.db_manager(using).get_or_create(name=name)
        perms = _permissions(grants.get(name, {}), using)
        if name == ADMINISTRATOR:
            perms = perms | Permission.objects.db_manager(using).filter(content_type__app_label__in=back_office_apps())
        group.permissions.set(perms)
