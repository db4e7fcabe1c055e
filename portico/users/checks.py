"""System checks: each app's ``staff_roles`` names known roles (E001) and its own models (W001)."""

from django.apps import apps
from django.core import checks

from portico.users.roles import STAFF_ROLES


def check_staff_roles(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """Report a ``staff_roles`` declaration that names an unknown role or a model not of its app."""
    messages: list[checks.CheckMessage] = []
    for config in app_configs or apps.get_app_configs():
        for role, models in getattr(config, "staff_roles", {}).items():
            if role not in STAFF_ROLES:
                messages.append(
                    checks.Error(
                        f"{type(config).__name__}.staff_roles names the unknown staff role {role!r}.",
                        hint=f"Use one of {', '.join(STAFF_ROLES)}, or add the role in portico/users/roles.py.",
                        obj=config,
                        id="portico.users.E001",
                    )
                )
            messages.extend(_check_models(config, models))
    return messages


def _check_models(config, models) -> list[checks.CheckMessage]:
    """Warn of keys of ``models`` that are not "app_label.model_name" of one of the app's own models.

    A warning, not an error: such a key grants nothing (or grants on another app's behalf), it breaks nothing.
    """
    own = {f"{config.label}.{model._meta.model_name}" for model in config.get_models()}
    return [
        checks.Warning(
            f"{type(config).__name__}.staff_roles names {key!r}, which is not a model of this app.",
            hint=f"Name the app's own models in lower case, one of: {', '.join(sorted(own)) or '(none)'}.",
            obj=config,
            id="portico.users.W001",
        )
        for key in models
        if key not in own
    ]
