"""Public knowledge-base pages (no sign-in) under /kb/: published public articles only."""

from django.urls import path

from portico.knowledge.public import views

app_name = "kb"

urlpatterns = [
    path("", views.PublicIndexView.as_view(), name="index"),
    path("<slug:slug>/", views.PublicArticleView.as_view(), name="article"),
    path("<slug:slug>/images/<int:pk>/", views.PublicImageView.as_view(), name="image"),
]
