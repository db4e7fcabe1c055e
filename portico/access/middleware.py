"""Attach the principal to portal requests and check portal access at every request, not only at login."""

from django.contrib import messages
from django.contrib.auth import logout
from django.shortcuts import redirect, render

from portico.access import view_as
from portico.access.principal import Principal

SESSION_CONTACT = "portico_contact_id"
PUBLIC_PORTAL_PREFIXES = ("/portal/account/", "/portal/invitation/", "/portal/branding/")


def principal_for(request) -> Principal | None:
    """Return the principal acting now: the session's chosen contact if still valid, else the first valid one."""
    from portico.access.services import valid_accesses

    user = request.user
    if not user.is_authenticated:
        return None
    if view_as.SESSION_VIEW_AS in request.session:
        return view_as.principal_for_viewer(request)
    accesses = list(valid_accesses(user))
    if not accesses:
        return None
    chosen = request.session.get(SESSION_CONTACT)
    access = next((a for a in accesses if a.contact_id == chosen), accesses[0])
    if chosen != access.contact_id:
        request.session[SESSION_CONTACT] = access.contact_id
    return Principal(user=user, access=access, other_accesses=[a for a in accesses if a.pk != access.pk])


class PrincipalMiddleware:
    """Resolve the principal for /portal/ pages; a login that lost its access is signed out at once."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.principal = None
        path = request.path
        if not (path.startswith("/portal/") and request.user.is_authenticated):
            return self.get_response(request)
        principal = principal_for(request)
        if getattr(principal, "viewing_as", False) and view_as.refuses(request):
            request.principal = principal  # the refusal page still shows whom staff are viewing as
            return view_as.read_only_response(request)
        if path.startswith(PUBLIC_PORTAL_PREFIXES):
            # Sign-in pages work without a valid access; the header still shows who is signed in.
            request.principal = principal
            return self.get_response(request)
        if principal is None:
            return self._refuse(request)
        request.principal = principal
        if request.user.must_change_password:
            return redirect("account_change_password")
        return self.get_response(request)

    def _refuse(self, request):
        from portico.access.services import login_refusal

        reason = login_refusal(request.user)
        if request.user.is_staff:
            return render(request, "account/access_refused.html", {"reason": reason}, status=403)
        logout(request)
        messages.error(request, reason)
        return redirect("account_login")
