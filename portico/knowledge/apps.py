from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class KnowledgeConfig(AppConfig):
    name = "portico.knowledge"
    label = "knowledge"
    verbose_name = _("Knowledge base")
    # Staff roles (see portico.users.roles): the Administrator may do everything, these roles what follows.
    back_office = True
    staff_roles = {
        # Support staff write and publish the answers they give.
        "Support": {
            "knowledge.category": ["view"],
            "knowledge.article": ["add", "change", "view"],
            "knowledge.articletranslation": ["add", "change", "delete", "view"],
            "knowledge.articleimage": ["add", "change", "delete", "view"],
            "knowledge.articlevote": ["view"],
        },
    }

    def ready(self):
        from portico.access.demo import register_demo
        from portico.knowledge import modules  # noqa: F401  (registers the knowledge portal module)
        from portico.knowledge.demo import load_demo

        register_demo(load_demo)
