"""The principal: the portal user acting now, as one of their contacts."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from portico.access.models import PortalAccess, PortalProfile
from portico.access.registry import Grant, PortalModule, all_modules, get_module
from portico.crm.models import Account, Contact
from portico.users.models import User


@dataclass(eq=False)
class Principal:
    """(user, the contact they act as, its account, its profile, company-admin flag)."""

    user: User
    access: PortalAccess
    other_accesses: list[PortalAccess] = field(default_factory=list)

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
    def _grants(self) -> dict[str, Grant]:
        raw = self.profile.grants if self.profile else {}
        grants = {}
        for module in all_modules():
            if module.always_on:
                grants[module.key] = Grant(view=True)
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
        """Return the modules this principal may view, in menu order."""
        return [m for m in all_modules() if self.grant(m).view]

    def may_view(self, key: str) -> bool:
        return self.grant(key).view

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


def module_for(key: str) -> PortalModule:
    return get_module(key)
