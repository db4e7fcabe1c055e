"""Writes of the portal-access lifecycle: grant, invite, temporary password, revoke, email change."""

from __future__ import annotations

import secrets
from datetime import date

from allauth.account.models import EmailAddress
from allauth.usersessions.models import UserSession
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from portico.access.models import PortalAccess, PortalProfile
from portico.access.tokens import make_invitation_token
from portico.core.audit import log_action
from portico.core.outbox import queue_template_email
from portico.crm.models import Contact
from portico.users.models import User


def _user_for_email(email: str) -> User:
    """Return the one login for an email address, creating it (without a usable password) if needed."""
    user = User.objects.filter(email__iexact=email).first()
    if user is None:
        user = User.objects.create_user(email=email)
    return user


def _attach_user(access: PortalAccess) -> None:
    if not access.contact.email:
        raise ValidationError(_("The contact needs a valid email address to get portal access."))
    if access.user is None or access.user.email.lower() != access.contact.email.lower():
        access.user = _user_for_email(access.contact.email)
    if access.user.is_staff or access.user.is_superuser:
        # Invitations and temporary passwords would otherwise hand a staff login to whoever edits contacts.
        raise ValidationError(_("This email address belongs to a staff login, which cannot get portal access."))


@transaction.atomic
def grant_access(
    *,
    contact: Contact,
    actor: User,
    profile: PortalProfile | None = None,
    support_start: date | None = None,
    portal_end: date | None = None,
    is_company_admin: bool | None = None,
    invite: bool = True,
    as_contact: Contact | None = None,
) -> PortalAccess:
    """Turn portal access on for a contact (creating its login) and, by default, email an invitation."""
    access, _created = PortalAccess.objects.select_related("contact", "user").get_or_create(contact=contact)
    access.contact = contact
    before = {"is_active": access.is_active, "profile": access.profile}
    access.is_active = True
    if profile is not None:
        access.profile = profile
    if access.profile is None:
        access.profile = PortalProfile.objects.order_by("pk").first()
    access.support_start = support_start or access.support_start or timezone.localdate()
    access.portal_end = portal_end or access.portal_end
    if is_company_admin is not None:
        access.is_company_admin = is_company_admin
    access.full_clean(exclude=["contact", "user"])
    _attach_user(access)
    access.save()
    _audit(
        "portal_access.granted",
        actor,
        as_contact,
        contact,
        {
            "is_active": [before["is_active"], True],
            "profile": [str(before["profile"] or ""), str(access.profile)],
            "support_start": [None, str(access.support_start)],
            "portal_end": [None, str(access.portal_end)],
            "is_company_admin": [None, access.is_company_admin],
        },
    )
    if invite and not access.invitation_accepted_at:
        send_invitation(access=access, actor=actor, as_contact=as_contact)
    return access


def _audit(action: str, actor: User | None, as_contact: Contact | None, target: Contact, changes: dict | None = None):
    """Audit a portal-access change made by staff, or by a company admin acting as `as_contact`."""
    log_action(
        action=action,
        actor=actor,
        actor_contact=as_contact,
        target=target,
        changes=changes,
        source="portal" if as_contact else "backoffice",
        account_id=target.account_id,
    )


def invitation_url(access: PortalAccess) -> str:
    return settings.SITE_URL + reverse("portal:accept_invitation", kwargs={"token": make_invitation_token(access)})


@transaction.atomic
def send_invitation(*, access: PortalAccess, actor: User | None, as_contact: Contact | None = None) -> None:
    """Email a single-use link (valid 72 hours) to choose a password; earlier links stop working."""
    if not access.is_active:
        raise ValidationError(_("Portal access is not active for %(contact)s.") % {"contact": access.contact})
    _attach_user(access)
    access.invitation_sent_at = timezone.now()
    access.save(update_fields=["user", "invitation_sent_at", "updated_at"])
    contact = access.contact
    queue_template_email(
        to=contact.email,
        template="invitation",
        language=contact.language,
        kind="invitation",
        context={
            "contact": contact,
            "account": contact.account,
            "url": invitation_url(access),
            "valid_hours": settings.PORTAL_INVITATION_TIMEOUT // 3600,
        },
    )
    _audit("portal_access.invited", actor, as_contact, contact, {"email": [None, contact.email]})


@transaction.atomic
def set_temporary_password(*, access: PortalAccess, actor: User) -> str:
    """Give the login a random temporary password, returned once to staff; it must be changed at first login."""
    if not access.is_active:
        raise ValidationError(_("Portal access is not active for %(contact)s.") % {"contact": access.contact})
    _attach_user(access)
    access.save(update_fields=["user", "updated_at"])
    password = "-".join(secrets.token_urlsafe(6) for _ in range(3))
    user = access.user
    user.set_password(password)
    user.must_change_password = True
    user.save(update_fields=["password", "must_change_password"])
    log_action(action="portal_access.temporary_password", actor=actor, target=access.contact)
    return password


def end_sessions(user: User) -> int:
    """End every session of a login, in every browser."""
    sessions = list(UserSession.objects.filter(user=user))
    for session in sessions:
        session.end()
    return len(sessions)


@transaction.atomic
def revoke_access(*, access: PortalAccess, actor: User, as_contact: Contact | None = None) -> None:
    """Turn portal access off and end the login's sessions at once."""
    access.is_active = False
    access.save(update_fields=["is_active", "updated_at"])
    _audit("portal_access.revoked", actor, as_contact, access.contact, {"is_active": [True, False]})
    if access.user:
        transaction.on_commit(lambda: end_sessions(access.user))


@transaction.atomic
def contact_email_changed(
    *, contact: Contact, old_email: str, actor: User | None, as_contact: Contact | None = None
) -> None:
    """After a portal user's email changed: move the access to the login of the new address and re-invite.

    The old address stops working at once: its sessions end and its invitations die with the new state.
    """
    access = PortalAccess.objects.filter(contact=contact).select_related("user").first()
    if access is None or access.user is None or old_email.lower() == contact.email.lower():
        return
    old_user = access.user
    others = old_user.portal_accesses.exclude(pk=access.pk).exists()
    taken = User.objects.filter(email__iexact=contact.email).exclude(pk=old_user.pk).first()
    if not contact.email:
        access.user = None
        access.is_active = False
    elif others or taken or old_user.is_staff or old_user.is_superuser:  # never rename a staff login
        access.user = taken or User.objects.create_user(email=contact.email)
    else:
        old_user.email = contact.email
        old_user.set_unusable_password()
        old_user.save(update_fields=["email", "password"])
        EmailAddress.objects.filter(user=old_user).delete()
    access.invitation_accepted_at = None
    access.save()
    _audit("portal_access.email_changed", actor, as_contact, contact, {"email": [old_email, contact.email]})
    transaction.on_commit(lambda: end_sessions(old_user))
    if access.is_active:
        send_invitation(access=access, actor=actor, as_contact=as_contact)


@transaction.atomic
def accept_invitation(*, access: PortalAccess, password: str) -> User:
    """Set the password chosen through an invitation link; the link is spent."""
    user = access.user
    user.set_password(password)
    user.must_change_password = False
    user.save(update_fields=["password", "must_change_password"])
    EmailAddress.objects.filter(user=user).exclude(email__iexact=user.email).delete()
    EmailAddress.objects.update_or_create(user=user, email=user.email, defaults={"verified": True, "primary": True})
    access.invitation_accepted_at = timezone.now()
    access.save(update_fields=["invitation_accepted_at", "updated_at"])
    log_action(
        action="portal_access.invitation_accepted",
        actor=user,
        actor_contact=access.contact,
        target=access.contact,
        source="portal",
    )
    return user


def valid_accesses(user: User):
    """Return the accesses a login may use right now, with contact, account and profile loaded."""
    today = timezone.localdate()
    return (
        PortalAccess.objects.filter(
            user=user,
            is_active=True,
            support_start__lte=today,
            portal_end__gte=today,
            contact__account__is_active=True,
            profile__isnull=False,
        )
        .select_related("contact__account", "profile")
        .order_by("contact__account__name", "pk")
    )


def login_refusal(user: User) -> str | None:
    """Explain, after a correct password, why a login may not use the portal today; None when it may."""
    if valid_accesses(user).exists():
        return None
    today = timezone.localdate()
    accesses = list(PortalAccess.objects.filter(user=user, is_active=True).select_related("contact__account"))
    upcoming = sorted(a.support_start for a in accesses if a.support_start and a.support_start > today)
    ended = sorted(a.portal_end for a in accesses if a.portal_end and a.portal_end < today)
    from django.utils.formats import date_format

    if upcoming:
        return _("Your portal access starts on %(date)s.") % {"date": date_format(upcoming[0])}
    if ended:
        return _("Your portal access ended on %(date)s.") % {"date": date_format(ended[-1])}
    return _("This login has no portal access. Please contact your account manager.")


def record_login(*, access: PortalAccess) -> None:
    """Count a successful portal login on the contact it acts as."""
    PortalAccess.objects.filter(pk=access.pk).update(last_login_at=timezone.now(), login_count=F("login_count") + 1)


@transaction.atomic
def update_from_portal(*, principal, module, instance, form) -> dict:
    """Save a portal edit form (editable fields only) and audit each changed field; return the changes."""
    from portico.core.audit import diff

    names = list(form.fields)
    before = {name: form.initial.get(name) for name in names}
    obj = form.save(commit=False)
    after = {name: getattr(obj, name) for name in names}
    changes = diff(before, after)
    if not changes:
        return {}
    obj.save(update_fields=[*changes, *(["updated_at"] if hasattr(obj, "updated_at") else [])])
    log_action(
        action=f"{module.key}.updated",
        actor=principal.user,
        actor_contact=principal.contact,
        target=obj,
        changes=changes,
        source="portal",
        account_id=principal.account.pk,
    )
    if module.model is Contact and "language" in changes and obj.pk == principal.contact.pk:
        User.objects.filter(pk=principal.user.pk).update(language=obj.language)
    return changes
