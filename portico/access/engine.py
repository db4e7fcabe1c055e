"""The access engine: the one place that answers what a portal principal may see and do.

Every portal read starts from `visible()`; detail, edit, download and actions look the record up inside
that queryset, so a record outside the principal's scope is a 404, identical to one that does not exist.
"""

from __future__ import annotations

from django import forms
from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import Http404

from portico.access.models import FieldMode, Scope
from portico.access.principal import Principal
from portico.access.registry import PortalModule, get_module
from portico.crm.models import Contact


def _module(module: str | PortalModule) -> PortalModule:
    return get_module(module) if isinstance(module, str) else module


def visible(principal: Principal, module: str | PortalModule) -> models.QuerySet:
    """Return the records of a module the principal may see; 404 when the module is not granted."""
    module = _module(module)
    grant = principal.grant(module)
    if not grant.view or module.model is None:
        raise Http404
    return scope_queryset(principal, module, module.base_queryset(), grant.scope)


def visible_through(
    principal: Principal, module: str | PortalModule, queryset: models.QuerySet, path: str
) -> models.QuerySet:
    """Restrict child records (a case's messages, a message's attachments) to those whose parent is visible.

    `path` is the ORM path from a child record to its parent record of the module, e.g. "message__case";
    404 when the module is not granted, as for `visible()`.
    """
    return queryset.filter(**{f"{path}__in": visible(principal, module)})


def scope_queryset(
    principal: Principal, module: PortalModule, queryset: models.QuerySet, scope: str
) -> models.QuerySet:
    """Restrict a queryset of a module to a record scope of the principal."""
    if module.shared:
        return module.shared_queryset(principal, queryset)
    if scope == Scope.OWN and module.contact_lookup:
        return queryset.filter(**{module.contact_lookup: principal.contact.pk})
    if scope == Scope.COMPANY_AND_SUBSIDIARIES and module.account_lookup:
        return queryset.filter(**{f"{module.account_lookup}__in": principal.account_tree_ids})
    if module.account_lookup:
        return queryset.filter(**{module.account_lookup: principal.account.pk})
    return queryset.none()


class SwitchRequired(Exception):  # noqa: N818 (a signal to the view, not an error)
    """The record belongs to another company the same person may act for: ask to switch, never show it."""

    def __init__(self, access):
        super().__init__(access)
        self.access = access


def get_visible_object(principal: Principal, module: str | PortalModule, **lookup) -> models.Model:
    """Return one record inside the principal's scope, or raise 404 exactly as for a missing record.

    When the person behind the principal may see the record while acting for another of their companies,
    raise SwitchRequired instead, so the page can offer the switch.
    """
    try:
        return visible(principal, module).get(**lookup)
    except (models.ObjectDoesNotExist, ValueError, TypeError):
        access = switch_target(principal, module, **lookup)
        if access is not None:
            raise SwitchRequired(access) from None
        raise Http404 from None


def switch_target(principal: Principal, module: str | PortalModule, **lookup):
    """Return another access of the same person under which the module (and the record, if named) is visible."""
    module = _module(module)
    for access in principal.other_accesses:
        other = Principal(user=principal.user, access=access)
        if not other.grant(module).view:
            continue
        if not lookup or module.model is None:
            return access
        try:
            if visible(other, module).filter(**lookup).exists():
                return access
        except (ValueError, TypeError):
            return None
    return None


def company_people(principal: Principal, module: str | PortalModule) -> models.QuerySet:
    """Return the contacts a module may name to the principal as people (who did what, who to filter by).

    The record scope of the principal's grant in the module decides whose: only their own contact, their
    company's, or their company's and its subsidiaries'; never another company's. 404 when the module is not
    granted, as for `visible()`. No query is run until the queryset is read (but for the subsidiaries scope,
    whose company tree is looked up once per principal).
    """
    module = _module(module)
    grant = principal.grant(module)
    if not grant.view:
        raise Http404
    if grant.scope == Scope.OWN:
        return Contact.objects.filter(pk=principal.contact.pk)
    if grant.scope == Scope.COMPANY_AND_SUBSIDIARIES:
        return Contact.objects.filter(account_id__in=principal.account_tree_ids)
    return Contact.objects.filter(account_id=principal.account.pk)


def company_contacts(principal: Principal, account_id: int | None = None) -> models.QuerySet:
    """Return the contacts of one company the principal acts for, for rules that hold per company.

    The principal's own company, or `account_id`: one of its subsidiaries (404 for any other company). For
    checks such as "one colleague per email address" when a company admin adds or edits a colleague of that
    company: the rule counts every contact of the company, whatever the principal may see. Never for showing
    records: use `visible()` or `company_people()` for that.
    """
    own = principal.account.pk
    if account_id is not None and account_id != own and account_id not in principal.account_tree_ids:
        raise Http404
    return Contact.objects.filter(account_id=own if account_id is None else account_id)


def require(principal: Principal, module: str | PortalModule, action: str) -> None:
    """Raise 403 when the principal may see the module but not run an action (create, edit, actions)."""
    grant = principal.grant(_module(module))
    if not grant.view:
        raise Http404
    if not getattr(grant, action):
        raise PermissionDenied


def field_modes(principal: Principal, module: str | PortalModule) -> dict[str, str]:
    """Return {field: mode} for the module's fields under the principal's profile."""
    return dict(principal.grant(_module(module)).fields)


def shown_fields(principal: Principal, module: str | PortalModule) -> list[str]:
    """Fields the principal may see (read-only or editable), in declaration order."""
    module = _module(module)
    modes = field_modes(principal, module)
    return [name for name in module.fields if modes.get(name, FieldMode.HIDDEN) != FieldMode.HIDDEN]


def editable_fields(principal: Principal, module: str | PortalModule) -> list[str]:
    """Fields the principal may write; everything else posted is ignored."""
    module = _module(module)
    grant = principal.grant(module)
    if not grant.edit:
        return []
    return [name for name in module.fields if grant.fields.get(name) == FieldMode.EDIT]


def display_rows(principal: Principal, module: str | PortalModule, obj: models.Model) -> list[tuple[str, str, object]]:
    """Return (name, label, display value) for every field the principal may see on a record."""
    module = _module(module)
    rows = []
    for name in shown_fields(principal, module):
        field = obj._meta.get_field(name)
        value = getattr(obj, f"get_{name}_display")() if getattr(field, "choices", None) else getattr(obj, name)
        rows.append((name, module.field_label(name), value))
    return rows


def edit_form_class(
    principal: Principal, module: str | PortalModule, base_form: type[forms.ModelForm] = forms.ModelForm
):
    """Build a ModelForm holding only the fields the principal may edit in a module."""
    module = _module(module)
    fields = editable_fields(principal, module)
    meta = type("Meta", (), {"model": module.model, "fields": fields, "formfield_callback": _formfield})
    return type(f"{module.model.__name__}PortalForm", (base_form,), {"Meta": meta})


def _formfield(field, **kwargs):
    """Form field for a model field in a portal form; web addresses typed without a scheme mean https."""
    if isinstance(field, models.URLField):
        kwargs.setdefault("assume_scheme", "https")
    return field.formfield(**kwargs)
