"""Company admins manage the contacts of their own company: every write is checked against the principal."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from portico.access import services
from portico.access.models import PortalAccess, PortalProfile
from portico.access.principal import Principal
from portico.core.audit import log_action
from portico.crm.models import Contact


def assignable_profiles():
    """Profiles staff allow company admins to hand out."""
    return PortalProfile.objects.filter(assignable_by_company_admin=True).order_by("name")


def _require_company_admin(principal: Principal) -> None:
    if not principal.is_company_admin:
        raise PermissionDenied


def _check_window(principal: Principal, support_start: date, portal_end: date) -> None:
    """A company admin can give access only inside their own access window."""
    own = principal.access
    if portal_end < support_start:
        raise ValidationError({"portal_end": _("The portal end date cannot be before the support start date.")})
    if support_start < own.support_start or portal_end > own.portal_end:
        raise ValidationError(
            _("Choose dates between %(start)s and %(end)s, inside your own portal access.")
            % {"start": date_format(own.support_start), "end": date_format(own.portal_end)}
        )


def _is_last_company_admin(access: PortalAccess) -> bool:
    others = PortalAccess.objects.filter(
        contact__account_id=access.contact.account_id, is_active=True, is_company_admin=True
    ).exclude(pk=access.pk)
    return access.is_active and access.is_company_admin and not others.exists()


@transaction.atomic
def add_colleague(*, principal: Principal, form) -> Contact:
    """Create a contact at the principal's company from a portal form; the server sets company and owner."""
    _require_company_admin(principal)
    contact = form.save(commit=False)
    contact.account = principal.account
    contact.owner_id = principal.account.owner_id
    contact.save()
    log_action(
        action="colleague.added",
        actor=principal.user,
        actor_contact=principal.contact,
        target=contact,
        source="portal",
        account_id=principal.account.pk,
        changes={name: [None, str(getattr(contact, name))] for name in form.fields},
    )
    return contact


@transaction.atomic
def update_colleague(*, principal: Principal, module, contact: Contact, form) -> dict:
    """Save a colleague's details; a changed email of a portal user re-invites the new address."""
    _require_company_admin(principal)
    old_email = form.initial.get("email") or ""  # the instance already holds the posted value
    changes = services.update_from_portal(principal=principal, module=module, instance=contact, form=form)
    if "email" in changes:
        services.contact_email_changed(
            contact=contact, old_email=old_email, actor=principal.user, as_contact=principal.contact
        )
    return changes


@transaction.atomic
def grant_colleague_access(
    *,
    principal: Principal,
    contact: Contact,
    profile: PortalProfile,
    support_start: date,
    portal_end: date,
    is_company_admin: bool,
) -> PortalAccess:
    """Give or change a colleague's portal access, never beyond what staff allow the company admin."""
    _require_company_admin(principal)
    if contact.pk == principal.contact.pk:
        raise ValidationError(_("You cannot change your own portal access."))
    if not assignable_profiles().filter(pk=profile.pk).exists():
        raise ValidationError({"profile": _("You cannot give this profile.")})
    _check_window(principal, support_start, portal_end)
    current = PortalAccess.objects.filter(contact=contact).first()
    if current and not is_company_admin and _is_last_company_admin(current):
        raise ValidationError(_("The company needs at least one company admin."))
    return services.grant_access(
        contact=contact,
        actor=principal.user,
        as_contact=principal.contact,
        profile=profile,
        support_start=support_start,
        portal_end=portal_end,
        is_company_admin=is_company_admin,
    )


@transaction.atomic
def revoke_colleague_access(*, principal: Principal, contact: Contact) -> None:
    """End a colleague's portal access (or one's own, unless one is the company's last company admin)."""
    _require_company_admin(principal)
    access = PortalAccess.objects.select_related("user", "contact").filter(contact=contact, is_active=True).first()
    if access is None:
        raise ValidationError(_("This colleague has no portal access."))
    if _is_last_company_admin(access):
        raise ValidationError(_("The company needs at least one company admin. Make a colleague company admin first."))
    services.revoke_access(access=access, actor=principal.user, as_contact=principal.contact)


@transaction.atomic
def resend_colleague_invitation(*, principal: Principal, contact: Contact) -> None:
    """Send a colleague a fresh invitation link; earlier links stop working."""
    _require_company_admin(principal)
    access = (
        PortalAccess.objects.select_related("user", "contact__account").filter(contact=contact, is_active=True).first()
    )
    if access is None:
        raise ValidationError(_("This colleague has no portal access."))
    services.send_invitation(access=access, actor=principal.user, as_contact=principal.contact)
