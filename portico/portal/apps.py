from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "portico.portal"
    label = "portal"

    def ready(self):
        from portico.portal import modules  # noqa: F401  (registers the portal modules)
