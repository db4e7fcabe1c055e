from datetime import timedelta

from django.apps import AppConfig
from django.conf import settings
from django.utils.translation import gettext_lazy as _


class IntakeConfig(AppConfig):
    name = "portico.helpdesk.intake"
    label = "helpdesk_intake"
    verbose_name = _("Helpdesk email")

    def ready(self):
        if settings.IMAP_HOST:  # poll the helpdesk mailbox only where one is configured
            from portico.core.scheduler import register
            from portico.helpdesk.intake.tasks import poll_imap

            register(poll_imap, every=timedelta(seconds=settings.IMAP_POLL_SECONDS))
