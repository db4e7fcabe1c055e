from datetime import timedelta

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccessConfig(AppConfig):
    name = "portico.access"
    label = "access"
    verbose_name = _("Portal access")

    def ready(self):
        from portico.access import signals  # noqa: F401  (sign-in bookkeeping)
        from portico.access.tasks import send_access_ending_reminders
        from portico.core.scheduler import register

        # Hourly, so a day is never missed; the reminders themselves are sent once each.
        register(send_access_ending_reminders, every=timedelta(hours=1))
