from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccessConfig(AppConfig):
    name = "portico.access"
    label = "access"
    verbose_name = _("Portal access")

    def ready(self):
        from portico.access import signals  # noqa: F401  (sign-in bookkeeping)
