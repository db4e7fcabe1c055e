from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class UsersConfig(AppConfig):
    name = "portico.users"
    label = "users"
    verbose_name = _("Users and staff")
    back_office = True  # staff roles: see portico.users.roles

    def ready(self):
        from django.core import checks
        from django.db.models.signals import post_migrate

        from portico.users import signals  # noqa: F401
        from portico.users.checks import check_staff_roles
        from portico.users.roles import ensure_staff_roles

        post_migrate.connect(ensure_staff_roles, dispatch_uid="portico_staff_roles")
        checks.register(check_staff_roles)
