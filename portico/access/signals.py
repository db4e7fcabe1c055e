"""Portal bookkeeping at sign-in: the contact acted as, its login count, and the sign-in in the audit log."""

from allauth.account.adapter import get_adapter
from django.contrib.auth.signals import user_logged_in
from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.dispatch import receiver

from portico.access.middleware import SESSION_CONTACT
from portico.access.services import record_login, valid_accesses
from portico.core.audit import log_action


@receiver(user_logged_in, dispatch_uid="portico_access_login")
def on_portal_login(sender, request, user, **kwargs):
    """Start the session acting as the login's first valid contact and count the login on it."""
    access = valid_accesses(user).first()
    if access is None:
        return
    if request is not None and hasattr(request, "session"):
        request.session[SESSION_CONTACT] = access.contact_id
    record_login(access=access)
    log_action(
        action="signed_in",
        actor=user,
        actor_contact=access.contact,
        target=access.contact,
        source="portal",
        account_id=access.contact.account_id,
        ip_address=_client_ip(request),
        user_agent=request.META.get("HTTP_USER_AGENT", "") if request is not None else "",
    )


def _client_ip(request) -> str | None:
    """The client's address as allauth sees it (trusted proxies included); None when there is none."""
    if request is None:
        return None
    try:
        return get_adapter().get_client_ip(request)
    except (PermissionDenied, ImproperlyConfigured):
        return None
