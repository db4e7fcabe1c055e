"""The principal: the portal user acting now, as one of their contacts."""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import ClassVar

from django.utils.functional import lazy
from django.utils.translation import get_language

from portico.access.models import PortalAccess, PortalProfile
from portico.access.registry import Grant, PortalModule, all_modules, get_module
from portico.crm.models import Account, Contact
from portico.users.models import User


@dataclass(frozen=True)
class ModuleConfig:
    """Portal settings for one module: on or off for everyone, its menu position, its label per language."""

    enabled: bool = True
    order: int | None = None
    labels: Mapping[str, str] = field(default_factory=dict)


# Staff switch modules off, order and rename them in portal settings. The portal app installs the provider
# (the engine never imports the portal); it returns {module key: ModuleConfig}, read once per request.
module_config_provider: Callable[[], Mapping[str, ModuleConfig]] = dict


def _configured(module: PortalModule, config: ModuleConfig | None) -> PortalModule:
    """The module as settings present it: staff's label in the active language, else the built-in label."""
    if config is None or not any(config.labels.values()):
        return module
    labels, builtin = dict(config.labels), module.label
    shown = copy.copy(module)
    shown.__dict__["label"] = lazy(lambda: labels.get(get_language() or "") or str(builtin), str)()
    return shown


@dataclass(eq=False)
class Principal:
    """(user, the contact they act as, its account, its profile, company-admin flag)."""

    user: User
    access: PortalAccess
    other_accesses: list[PortalAccess] = field(default_factory=list)
    viewing_as: ClassVar[bool] = False  # True for the read-only principal of staff viewing the portal as a contact

    @property
    def contact(self) -> Contact:
        return self.access.contact

    @property
    def account(self) -> Account:
        return self.access.contact.account

    @property
    def profile(self) -> PortalProfile:
        return self.access.profile

    @property
    def is_company_admin(self) -> bool:
        return self.access.is_company_admin

    @cached_property
    def _config(self) -> Mapping[str, ModuleConfig]:
        return module_config_provider()

    @cached_property
    def _grants(self) -> dict[str, Grant]:
        raw = self.profile.grants if self.profile else {}
        grants = {}
        for module in all_modules():
            config = self._config.get(module.key)
            if module.always_on:
                grants[module.key] = Grant(view=True)
            elif config is not None and not config.enabled:
                grants[module.key] = Grant()  # switched off in portal settings: it does not exist for anyone
            elif module.requires_company_admin and not self.is_company_admin:
                grants[module.key] = Grant()
            else:
                grants[module.key] = Grant.from_json(module, raw.get(module.key))
        return grants

    def grant(self, module: str | PortalModule) -> Grant:
        """Return the grant for a module; an empty grant (nothing allowed) when the profile has none."""
        key = module if isinstance(module, str) else module.key
        return self._grants.get(key, Grant())

    def modules(self) -> list[PortalModule]:
        """Return the modules this principal may view, in the menu order and with the labels of portal settings."""
        return list(self._modules)

    @cached_property
    def _modules(self) -> tuple[PortalModule, ...]:
        config = self._config

        def position(module: PortalModule) -> tuple:
            order = getattr(config.get(module.key), "order", None)
            return (not module.always_on, module.order if order is None else order, module.key)

        shown = sorted((m for m in all_modules() if self.grant(m).view), key=position)
        return tuple(_configured(m, config.get(m.key)) for m in shown)

    def module(self, key: str) -> PortalModule:
        """Return one module with the label portal settings give it."""
        return _configured(get_module(key), self._config.get(key))

    @cached_property
    def account_tree_ids(self) -> list[int]:
        """Ids of the principal's account and all its subsidiaries, at any depth."""
        ids, frontier = [self.account.pk], [self.account.pk]
        while frontier:
            frontier = [
                pk
                for pk in Account.objects.filter(parent_id__in=frontier).values_list("pk", flat=True)
                if pk not in ids
            ]
            ids.extend(frontier)
        return ids
