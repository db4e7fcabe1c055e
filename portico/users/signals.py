"""Keep count of logins and start the absolute session clock."""

import time

from allauth.account.signals import password_changed, password_reset
from django.contrib.auth.signals import user_logged_in
from django.db.models import F
from django.dispatch import receiver

from portico.users.middleware import SESSION_STARTED
from portico.users.models import User


@receiver(user_logged_in)
def on_login(sender, request, user, **kwargs):
    User.objects.filter(pk=user.pk).update(login_count=F("login_count") + 1)
    if request is not None and hasattr(request, "session"):
        request.session[SESSION_STARTED] = int(time.time())


@receiver(password_changed)
@receiver(password_reset)
def on_password_chosen(sender, request, user, **kwargs):
    """A password the person chose themselves replaces any temporary one."""
    if user.must_change_password:
        User.objects.filter(pk=user.pk).update(must_change_password=False)
        user.must_change_password = False
