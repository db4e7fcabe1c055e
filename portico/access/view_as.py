"""Staff view the portal as a contact sees it: read-only, audited, and marked on every page.

The staff user's session names the contact; while it does, every /portal/ page is built from that
contact's principal (their profile, scope, fields and company), and nothing may be posted but the
request that ends the mode or signs out. The mode ends with the session.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Subquery
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from portico.access.models import PortalAccess
from portico.access.principal import Principal
from portico.core.audit import log_action
from portico.crm.models import Contact
from portico.users.models import User

SESSION_VIEW_AS = "portico_view_as_contact"
PERMISSION = "access.view_portal_as"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


@dataclass(eq=False)
class ViewAsPrincipal(Principal):
    """A contact's principal shown to a staff user, the `viewer`; `user` is the contact's own login."""

    viewer: User | None = None
    viewing_as = True


def may_view_as(user) -> bool:
    """Return whether a signed-in user is staff allowed to view the portal as a contact."""
    return bool(user.is_authenticated and user.is_active and user.is_staff and user.has_perm(PERMISSION))


def _accesses_of_login_of(contact_id) -> list[PortalAccess]:
    """Return the accesses the contact's login may use today (the same rule as signing in), with the login."""
    from portico.access.services import valid_accesses

    login = PortalAccess.objects.filter(contact_id=contact_id).values("user_id")[:1]
    return list(valid_accesses(Subquery(login)).select_related("user"))


def viewable_access(contact: Contact) -> PortalAccess | None:
    """Return the contact's portal access when it is active and inside its window today, else None."""
    return next((a for a in _accesses_of_login_of(contact.pk) if a.contact_id == contact.pk), None)


def start_viewing(*, request, contact: Contact, actor: User) -> PortalAccess:
    """Start showing the portal to a staff user as the contact sees it; audited."""
    if not may_view_as(actor):
        raise PermissionDenied
    access = viewable_access(contact)
    if access is None:
        raise ValidationError(
            _("%(contact)s has no portal access that is active today, so the portal cannot be viewed as them.")
            % {"contact": contact}
        )
    log_action(action="portal.view_as_started", actor=actor, target=contact)
    request.session[SESSION_VIEW_AS] = contact.pk
    return access


def stop_viewing(*, request, principal: ViewAsPrincipal) -> None:
    """End the view-as mode of a staff user's session; audited."""
    request.session.pop(SESSION_VIEW_AS, None)
    log_action(action="portal.view_as_ended", actor=principal.viewer, target=principal.contact)


def principal_for_viewer(request) -> ViewAsPrincipal | None:
    """Return the principal of the contact the session views the portal as; None ends the mode."""
    contact_id = request.session.get(SESSION_VIEW_AS)
    accesses = _accesses_of_login_of(contact_id) if may_view_as(request.user) else []
    access = next((a for a in accesses if a.contact_id == contact_id), None)
    if access is None:
        request.session.pop(SESSION_VIEW_AS, None)
        messages.warning(request, _("Viewing the portal as a contact has ended: it is no longer allowed."))
        return None
    others = [a for a in accesses if a.pk != access.pk]
    return ViewAsPrincipal(user=access.user, access=access, other_accesses=others, viewer=request.user)


def refuses(request) -> bool:
    """Return whether a request would change something: only ending the mode and signing out may post."""
    if request.method in SAFE_METHODS:
        return False
    return request.path not in (reverse("portal:view_as_end"), reverse("account_logout"))


def read_only_response(request):
    """The page shown instead of any change while viewing the portal as a contact."""
    return render(request, "portal/view_as_read_only.html", status=403)
