"""Top-level URLs: the back office, the customer portal and its sign-in pages."""

from django.contrib import admin
from django.shortcuts import redirect
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from django.views.generic import RedirectView

admin.site.site_header = "Portico"
admin.site.site_title = _("Portico back office")
admin.site.index_title = _("CRM")


def root(request):
    return redirect("portal:home")


urlpatterns = [
    path("", root, name="root"),
    path("backoffice/", admin.site.urls),
    # A login's email address is managed by staff (it re-invites), never by the portal user.
    path("portal/account/email/", RedirectView.as_view(pattern_name="portal:my_details"), name="account_email"),
    path("portal/account/", include("allauth.account.urls")),
    path("portal/account/sessions/", include("allauth.usersessions.urls")),
    path("portal/", include("portico.portal.urls")),
    path("kb/", include("portico.knowledge.public.urls")),
]
