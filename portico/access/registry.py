"""The portal module registry: declarations of customer-facing areas over domain models."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.text import capfirst
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from portico.access.models import FieldMode, Scope

FIELD_MODES = frozenset(FieldMode.values)  # read on every request: an enum's `values` is rebuilt at each use


class PortalModule:
    """Declaration of one portal module, in the manner of a ModelAdmin.

    `contact_lookup` and `account_lookup` are ORM paths from a record to the contact and the account it
    belongs to ("pk" when the record is the contact or account itself). `fields` are the fields the
    module may ever expose; `never_editable` can never be granted as editable.
    """

    key: ClassVar[str]
    label: ClassVar[str]
    description: ClassVar[str] = ""
    url_name: ClassVar[str]
    # The module's own portal pages: a URLconf module mounted at /portal/<url_prefix> in the portal namespace.
    urls: ClassVar[str | None] = None
    url_prefix: ClassVar[str] = ""
    model: ClassVar[type[models.Model] | None] = None
    contact_lookup: ClassVar[str | None] = None
    account_lookup: ClassVar[str | None] = None
    scopes: ClassVar[tuple[str, ...]] = (Scope.OWN, Scope.COMPANY, Scope.COMPANY_AND_SUBSIDIARIES)
    fields: ClassVar[tuple[str, ...]] = ()
    never_editable: ClassVar[frozenset[str]] = frozenset()
    supports_create: ClassVar[bool] = False
    supports_edit: ClassVar[bool] = False
    actions: ClassVar[tuple[str, ...]] = ()
    always_on: ClassVar[bool] = False  # a page every signed-in principal has (the start page)
    requires_company_admin: ClassVar[bool] = False  # exists only for company admins, whatever the profile says
    order: ClassVar[int] = 100
    # Records that belong to no customer (knowledge articles, a catalogue): no record scope applies;
    # `shared_queryset()` narrows them for each principal instead.
    shared: ClassVar[bool] = False

    def base_queryset(self) -> models.QuerySet:
        """Return every record the module could ever show, before any principal's scope."""
        assert self.model is not None
        return self.model._default_manager.all()

    def shared_queryset(self, principal, queryset: models.QuerySet) -> models.QuerySet:
        """For a shared module: the records of `queryset` this principal may see (all of them by default)."""
        return queryset

    def widget(self, principal) -> dict | None:
        """Return the dashboard widget's data for a principal who may view the module, or None for no widget.

        A widget costs a fixed number of queries, whatever the amount of data: counts and the latest items.
        """
        return None

    def settings_link(self) -> tuple[str, str] | None:
        """Return (back-office URL, one-line summary) of the module's own settings, or None when it has none.

        The portal settings page lists it under "Module settings", so staff find every module's settings from
        one place. The summary says what matters most in the active language ("New portal cases go to: Anna").
        It costs at most one query.
        """
        return None

    def field_label(self, name: str) -> str:
        """The field's label in the active language (kept per language: lists ask for it on every request)."""
        assert self.model is not None
        key = (self.model, name, get_language())
        label = _field_labels.get(key)
        if label is None:
            label = _field_labels[key] = capfirst(str(self.model._meta.get_field(name).verbose_name))
        return label


_field_labels: dict[tuple[type[models.Model], str, str | None], str] = {}


_registry: dict[str, PortalModule] = {}


def register(module_class: type[PortalModule]) -> type[PortalModule]:
    """Class decorator that adds a module declaration to the registry."""
    if module_class.key in _registry:
        raise ValueError(f"Portal module {module_class.key!r} is already registered.")
    _registry[module_class.key] = module_class()
    return module_class


def get_module(key: str) -> PortalModule:
    return _registry[key]


def all_modules() -> list[PortalModule]:
    """Return the registered modules in menu order."""
    return sorted(_registry.values(), key=lambda m: (m.order, m.key))


def grantable_modules() -> list[PortalModule]:
    return [m for m in all_modules() if not m.always_on]


@dataclass(frozen=True)
class Grant:
    """What one profile allows in one module."""

    view: bool = False
    create: bool = False
    edit: bool = False
    actions: bool = False
    scope: str = Scope.OWN
    fields: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_json(cls, module: PortalModule, data: dict | None) -> Grant:
        data = data or {}
        if not data.get("view"):
            return cls()
        scope = data.get("scope") if data.get("scope") in module.scopes else module.scopes[0]
        modes = {}
        raw_fields = data.get("fields") or {}
        for name in module.fields:
            mode = raw_fields.get(name, FieldMode.HIDDEN)
            if mode == FieldMode.EDIT and (name in module.never_editable or not data.get("edit")):
                mode = FieldMode.READ
            modes[name] = mode if mode in FIELD_MODES else FieldMode.HIDDEN
        return cls(
            view=True,
            create=bool(data.get("create")) and module.supports_create,
            edit=bool(data.get("edit")) and module.supports_edit,
            actions=bool(data.get("actions")) and bool(module.actions),
            scope=scope,
            fields=modes,
        )


def validate_grants(grants: object) -> None:
    """Raise ValidationError when a profile's grants name unknown modules, fields, scopes or modes."""
    if not isinstance(grants, dict):
        raise ValidationError(_("Grants must be a mapping of module to grant."))
    for key, data in grants.items():
        if key not in _registry or _registry[key].always_on:
            raise ValidationError(_("Unknown portal module: %(key)s") % {"key": key})
        module = _registry[key]
        if not isinstance(data, dict):
            raise ValidationError(_("The grant for %(key)s is malformed.") % {"key": key})
        if data.get("scope", module.scopes[0]) not in module.scopes:
            raise ValidationError(_("%(module)s does not support that record scope.") % {"module": module.label})
        for name, mode in (data.get("fields") or {}).items():
            if name not in module.fields or mode not in FIELD_MODES:
                raise ValidationError(
                    _("%(module)s has no field rule %(field)s.") % {"module": module.label, "field": name}
                )
            if mode == FieldMode.EDIT and name in module.never_editable:
                raise ValidationError(
                    _("%(field)s can never be edited in the portal.") % {"field": module.field_label(name)}
                )
