from datetime import timedelta

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccessConfig(AppConfig):
    name = "portico.access"
    label = "access"
    verbose_name = _("Portal access")
    # Staff roles (see portico.users.roles): the Administrator may do everything, these roles what follows.
    back_office = True
    staff_roles = {
        "Sales": {"access.portalaccess": ["add", "change", "view"], "access.portalprofile": ["view"]},
        "Support": {
            "access.portalaccess": ["add", "change", "view", "view_portal_as"],
            "access.portalprofile": ["view"],
        },
    }

    def ready(self):
        from portico.access import signals  # noqa: F401  (sign-in bookkeeping)
        from portico.access.tasks import send_access_ending_reminders
        from portico.core.scheduler import register

        # Hourly, so a day is never missed; the reminders themselves are sent once each.
        register(send_access_ending_reminders, every=timedelta(hours=1))
