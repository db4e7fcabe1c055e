from datetime import timedelta

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HelpdeskConfig(AppConfig):
    name = "portico.helpdesk"
    label = "helpdesk"
    verbose_name = _("Helpdesk")
    # Staff roles (see portico.users.roles): the Administrator may do everything, these roles what follows.
    back_office = True
    staff_roles = {
        # Support works the case queue and sees (not changes) its settings, teams, categories, SLA and holidays.
        "Support": {
            "helpdesk.case": ["add", "change", "view"],
            "helpdesk.casedeflection": ["view"],
            "helpdesk.team": ["view"],
            "helpdesk.casecategory": ["view"],
            "helpdesk.slapolicy": ["view"],
            "helpdesk.holiday": ["view"],
            "helpdesk.helpdesksettings": ["view"],
        },
    }

    def ready(self):
        from portico.access.demo import register_demo
        from portico.core import audit_display
        from portico.core.scheduler import register
        from portico.helpdesk.demo import load_demo
        from portico.helpdesk.portal import module  # noqa: F401  (registers the Cases portal module)
        from portico.helpdesk.tasks import close_resolved_cases

        audit_display.ACTIONS.update(AUDIT_WORDS)
        register(close_resolved_cases, every=timedelta(hours=1))
        register_demo(load_demo)


# How the helpdesk's audit entries read in the back office and on the portal's Activity page.
AUDIT_WORDS = {
    "case.created": _("opened a case"),
    "case.message_added": _("wrote in a case"),
    "case.replied": _("replied to a case"),
    "case.note_added": _("added an internal note"),
    "case.status_changed": _("changed the status of a case"),
    "case.closed": _("closed a case"),
    "case.rated": _("rated a case"),
    "case.assigned": _("assigned a case"),
    "case.updated": _("changed a case"),
    "case.merged": _("merged cases"),
}
