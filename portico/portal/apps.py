from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "portico.portal"
    label = "portal"
    verbose_name = _("Portal")

    def ready(self):
        from portico.portal import modules  # noqa: F401  (registers the portal modules)
