"""Keep count of logins and start the absolute session clock."""

import time

from allauth.account.signals import password_changed, password_reset
from allauth.usersessions.models import UserSession
from django.contrib.auth.signals import user_logged_in
from django.db.models import F
from django.dispatch import receiver

from portico.users.middleware import SESSION_STARTED
from portico.users.models import User


@receiver(user_logged_in)
def on_login(sender, request, user, **kwargs):
    """Count the login, start the absolute session clock and record the session so it can be ended later."""
    User.objects.filter(pk=user.pk).update(login_count=F("login_count") + 1)
    if request is not None and hasattr(request, "session"):
        request.session[SESSION_STARTED] = int(time.time())
        if request.META.get("REMOTE_ADDR"):
            # Every way in (allauth's sign-in, an invitation link) is recorded, not only allauth's.
            UserSession.objects.create_from_request(request)


@receiver(password_changed)
@receiver(password_reset)
def on_password_chosen(sender, request, user, **kwargs):
    """A password the person chose themselves replaces any temporary one."""
    if user.must_change_password:
        User.objects.filter(pk=user.pk).update(must_change_password=False)
        user.must_change_password = False
