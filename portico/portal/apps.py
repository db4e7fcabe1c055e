from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "portico.portal"
    label = "portal"
    verbose_name = _("Portal")
    back_office = True  # staff roles: only the Administrator (see portico.users.roles)

    def ready(self):
        from portico.portal import modules  # noqa: F401  (registers the portal modules)

        self._connect_settings()

    def _connect_settings(self):
        """Put portal settings in force: modules on/off, order and labels; attachment rules; staff email templates;
        the cache."""
        from django.core.signals import request_finished, request_started
        from django.db.models.signals import post_delete, post_migrate, post_save

        from portico.access import principal
        from portico.core import uploads
        from portico.core.outbox import TEMPLATE_OVERRIDES
        from portico.portal import emails, models

        principal.module_config_provider = models.module_config
        uploads.rules_provider = models.attachment_rules
        if emails.staff_template not in TEMPLATE_OVERRIDES:
            TEMPLATE_OVERRIDES.append(emails.staff_template)
        request_started.connect(models.begin_request, dispatch_uid="portal-settings-begin")
        request_finished.connect(models.end_request, dispatch_uid="portal-settings-end")
        post_migrate.connect(models.forget_cached, dispatch_uid="portal-settings-migrated")
        for model in (models.PortalSettings, models.ModuleSetting):
            name = model.__name__
            post_save.connect(models.invalidate, sender=model, dispatch_uid=f"portal-settings-save-{name}")
            post_delete.connect(models.invalidate, sender=model, dispatch_uid=f"portal-settings-delete-{name}")
