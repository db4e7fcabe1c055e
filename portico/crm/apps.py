from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CrmConfig(AppConfig):
    name = "portico.crm"
    label = "crm"
    verbose_name = _("CRM")
    # Staff roles (see portico.users.roles): the Administrator may do everything, these roles what follows.
    back_office = True
    staff_roles = {
        "Sales": {"crm.account": ["add", "change", "view"], "crm.contact": ["add", "change", "view"]},
        "Support": {"crm.account": ["view"], "crm.contact": ["change", "view"]},
    }
