"""The Security page: a portal user's own recent sign-ins and active sessions, and ending the other sessions."""

from allauth.usersessions.adapter import get_adapter as get_usersessions_adapter
from allauth.usersessions.models import UserSession
from django.conf import settings
from django.contrib import messages
from django.contrib.sessions.models import Session
from django.db import transaction
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from portico.core.audit import log_action
from portico.core.audit_display import browser_in_words
from portico.core.models import AuditEntry
from portico.portal.views import PortalView

SIGN_INS_SHOWN = 20
SESSIONS_SHOWN = 50
DATABASE_SESSION_ENGINES = ("django.contrib.sessions.backends.db", "django.contrib.sessions.backends.cached_db")


def recent_sign_ins(user) -> list[AuditEntry]:
    """The login's newest portal sign-ins, whichever company they were made for."""
    return list(
        AuditEntry.objects.filter(actor=user, action="signed_in")
        .select_related("actor_contact__account")
        .order_by("-created_at", "-pk")[:SIGN_INS_SHOWN]
    )


def live_sessions(user) -> list[UserSession]:
    """The login's sessions that still work, newest first, in one query (sessions that ended are left out)."""
    sessions = UserSession.objects.filter(user=user).order_by("-created_at", "-pk")
    if settings.SESSION_ENGINE in DATABASE_SESSION_ENGINES:
        alive = Session.objects.filter(expire_date__gt=timezone.now()).values("session_key")
        return list(sessions.filter(session_key__in=alive)[:SESSIONS_SHOWN])
    return UserSession.objects.purge_and_list(user)[:SESSIONS_SHOWN]


@transaction.atomic
def end_other_sessions(*, principal, request) -> int:
    """End every session of the principal's login except this one; audited. Return how many still worked."""
    current = request.session.session_key
    live = sum(1 for s in live_sessions(principal.user) if s.session_key != current)
    others = list(UserSession.objects.filter(user=principal.user).exclude(session_key=current))
    get_usersessions_adapter().end_sessions(others)
    if live:
        log_action(
            action="other_sessions_ended",
            actor=principal.user,
            actor_contact=principal.contact,
            target=principal.contact,
            source="portal",
            account_id=principal.account.pk,
            ip_address=request.META.get("REMOTE_ADDR"),
            user_agent=request.META.get("HTTP_USER_AGENT", ""),
        )
    return live


class SecurityView(PortalView):
    """Every signed-in person's own sign-ins and sessions, whatever their profile grants."""

    module_key = "home"  # always on: not a module of the profile

    def get(self, request):
        current = request.session.session_key
        sessions = [
            (s, s.session_key == current, browser_in_words(s.user_agent)) for s in live_sessions(self.principal.user)
        ]
        sign_ins = [(e, browser_in_words(e.user_agent)) for e in recent_sign_ins(self.principal.user)]
        context = {"module": None, "sessions": sessions, "sign_ins": sign_ins, "others": len(sessions) > 1}
        return render(request, "portal/security.html", context)

    def post(self, request):
        ended = end_other_sessions(principal=self.principal, request=request)
        if ended:
            message = ngettext("%(count)d other session was ended.", "%(count)d other sessions were ended.", ended) % {
                "count": ended
            }
            messages.success(request, message)
        else:
            messages.info(request, _("There were no other sessions to end."))
        return HttpResponseRedirect(reverse("portal:security"))
