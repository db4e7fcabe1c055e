"""Portal URLs. Every URL here is listed in the access-matrix test (tests/security/test_access_matrix.py)."""

from django.urls import include, path

from portico.access.registry import all_modules
from portico.portal import activity, colleagues, security, views
from portico.portal.branding import branding_image
from portico.portal.view_as import end_view_as

app_name = "portal"

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("me/", views.MyDetailsView.as_view(), name="my_details"),
    path("me/edit/", views.MyDetailsView.as_view(editing=True), name="my_details_edit"),
    path("company/", views.MyCompanyView.as_view(), name="my_company"),
    path("company/edit/", views.MyCompanyView.as_view(editing=True), name="my_company_edit"),
    path("colleagues/", colleagues.ColleagueListView.as_view(), name="colleagues"),
    path("colleagues/new/", colleagues.ColleagueCreateView.as_view(), name="colleague_add"),
    path("colleagues/<int:pk>/", colleagues.ColleagueDetailView.as_view(), name="colleague"),
    path("colleagues/<int:pk>/access/", colleagues.colleague_access, name="colleague_access"),
    path("activity/", activity.ActivityView.as_view(), name="activity"),
    path("security/", security.SecurityView.as_view(), name="security"),
    path("language/", views.set_language, name="set_language"),
    path("switch/", views.switch_company, name="switch_company"),
    path("view-as/end/", end_view_as, name="view_as_end"),
    path("invitation/<str:token>/", views.AcceptInvitationView.as_view(), name="accept_invitation"),
    path("branding/<str:kind>/", branding_image, name="branding"),
    # Each business module brings its own pages (its declaration names them); see PortalModule.urls.
    *(path(module.url_prefix, include(module.urls)) for module in all_modules() if module.urls),
]
