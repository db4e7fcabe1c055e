"""Portal bookkeeping at sign-in: the contact acted as, and its login count."""

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from portico.access.middleware import SESSION_CONTACT
from portico.access.services import record_login, valid_accesses


@receiver(user_logged_in, dispatch_uid="portico_access_login")
def on_portal_login(sender, request, user, **kwargs):
    """Start the session acting as the login's first valid contact and count the login on it."""
    access = valid_accesses(user).first()
    if access is None:
        return
    if request is not None and hasattr(request, "session"):
        request.session[SESSION_CONTACT] = access.contact_id
    record_login(access=access)
