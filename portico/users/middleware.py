"""Session rules beyond Django's idle timeout."""

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

SESSION_STARTED = "portico_session_started"
SESSION_SEEN = "portico_session_seen"


class SessionTimeoutMiddleware:
    """End a session after the absolute timeout, whatever the activity, and keep the idle clock running.

    The idle timeout is the session's age (SESSION_COOKIE_AGE); activity pushes it forward, but the session
    is written at most once per SESSION_REFRESH_INTERVAL instead of on every request.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            started = request.session.get(SESSION_STARTED)
            now = int(time.time())
            if started is None:
                request.session[SESSION_STARTED] = now
            elif now - started > settings.SESSION_ABSOLUTE_TIMEOUT:
                logout(request)
                messages.info(request, _("Your session has ended. Please sign in again."))
                if request.path.startswith("/backoffice/"):
                    return redirect(reverse("admin:login") + "?next=" + request.path)
                return redirect("account_login")
            if now - request.session.get(SESSION_SEEN, 0) > settings.SESSION_REFRESH_INTERVAL:
                request.session[SESSION_SEEN] = now
        return self.get_response(request)


class UserLanguageMiddleware:
    """Use the signed-in person's remembered language, over the browser's preference."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.language in dict(settings.LANGUAGES):
            translation.activate(user.language)
            request.LANGUAGE_CODE = user.language
        return self.get_response(request)
