from datetime import timedelta

from django.apps import AppConfig
from django.conf import settings
from django.utils.translation import gettext_lazy as _


class IntakeConfig(AppConfig):
    name = "portico.helpdesk.intake"
    label = "helpdesk_intake"
    verbose_name = _("Helpdesk email")
    # Staff roles (see portico.users.roles): the Administrator may do everything, these roles what follows.
    back_office = True
    staff_roles = {"Support": {"helpdesk_intake.inboundemail": ["view"]}}

    def ready(self):
        if settings.IMAP_HOST:  # poll the helpdesk mailbox only where one is configured
            from portico.core.scheduler import register
            from portico.helpdesk.intake.tasks import poll_imap

            register(poll_imap, every=timedelta(seconds=settings.IMAP_POLL_SECONDS))
