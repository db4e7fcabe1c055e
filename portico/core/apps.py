from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "portico.core"
    label = "core"
    verbose_name = _("System")
    # Staff roles (see portico.users.roles): the Administrator may do everything, these roles what follows.
    back_office = True
    staff_roles = {
        "Sales": {"core.auditentry": ["view"]},
        "Support": {"core.outboxmessage": ["view", "change"], "core.auditentry": ["view"]},
    }
