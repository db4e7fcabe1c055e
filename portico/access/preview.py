"""What a contact with a profile sees, computed by the access engine itself for grants not yet saved."""

from __future__ import annotations

from dataclasses import dataclass

from portico.access import engine
from portico.access.models import PortalAccess, PortalProfile, Scope
from portico.access.principal import Principal
from portico.access.registry import Grant, PortalModule


@dataclass(frozen=True)
class ModulePreview:
    """One module as a contact with the profile sees it: menu entry, rights, scope and fields by label."""

    module: PortalModule
    grant: Grant
    company_admins_only: bool
    editable: list[str]
    read_only: list[str]
    hidden: list[str]

    @property
    def has_records(self) -> bool:
        return self.module.model is not None

    @property
    def scope_label(self) -> str:
        return str(Scope(self.grant.scope).label)


def _principal(grants: dict, *, company_admin: bool) -> Principal:
    """A principal over an unsaved profile: the engine reads only its grants and the company-admin flag."""
    access = PortalAccess(profile=PortalProfile(grants=grants), is_company_admin=company_admin)
    return Principal(user=None, access=access)  # type: ignore[arg-type]


def profile_preview(grants: dict) -> list[ModulePreview]:
    """Return, in menu order, the modules a contact with these grants sees; modules without view are absent."""
    plain = {m.key for m in _principal(grants, company_admin=False).modules()}
    principal = _principal(grants, company_admin=True)
    return [_module_preview(principal, module, module.key not in plain) for module in principal.modules()]


def _module_preview(principal: Principal, module: PortalModule, company_admins_only: bool) -> ModulePreview:
    shown = engine.shown_fields(principal, module)
    editable = engine.editable_fields(principal, module)
    return ModulePreview(
        module=module,
        grant=principal.grant(module),
        company_admins_only=company_admins_only,
        editable=[module.field_label(n) for n in editable],
        read_only=[module.field_label(n) for n in shown if n not in editable],
        hidden=[module.field_label(n) for n in module.fields if n not in shown],
    )
