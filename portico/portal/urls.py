"""Portal URLs. Every URL here is listed in the access-matrix test (tests/security/test_access_matrix.py)."""

from django.urls import path

from portico.portal import views

app_name = "portal"

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("me/", views.MyDetailsView.as_view(), name="my_details"),
    path("me/edit/", views.MyDetailsView.as_view(editing=True), name="my_details_edit"),
    path("company/", views.MyCompanyView.as_view(), name="my_company"),
    path("company/edit/", views.MyCompanyView.as_view(editing=True), name="my_company_edit"),
    path("language/", views.set_language, name="set_language"),
    path("switch/", views.switch_company, name="switch_company"),
    path("invitation/<str:token>/", views.AcceptInvitationView.as_view(), name="accept_invitation"),
]
