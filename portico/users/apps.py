from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class UsersConfig(AppConfig):
    name = "portico.users"
    label = "users"
    verbose_name = _("Users and staff")

    def ready(self):
        from django.db.models.signals import post_migrate

        from portico.users import signals  # noqa: F401
        from portico.users.roles import ensure_staff_roles

        post_migrate.connect(ensure_staff_roles, dispatch_uid="portico_staff_roles")
