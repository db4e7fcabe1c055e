from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class KnowledgeConfig(AppConfig):
    name = "portico.knowledge"
    label = "knowledge"
    verbose_name = _("Knowledge base")

    def ready(self):
        from portico.access.demo import register_demo
        from portico.knowledge import modules  # noqa: F401  (registers the knowledge portal module)
        from portico.knowledge.demo import load_demo

        register_demo(load_demo)
