"""Knowledge-base URLs inside the portal's namespace (included by portico/portal/urls.py under kb/).

Every one is in the access matrix (tests/security/test_access_matrix.py).
"""

from django.urls import path

from portico.knowledge.portal import views

urlpatterns = [
    path("", views.KnowledgeIndexView.as_view(), name="kb"),
    path("suggest/", views.KnowledgeSuggestView.as_view(), name="kb_suggest"),
    path("<slug:slug>/", views.KnowledgeArticleView.as_view(), name="kb_article"),
    path("<slug:slug>/vote/", views.KnowledgeVoteView.as_view(), name="kb_vote"),
    path("<slug:slug>/images/<int:pk>/", views.KnowledgeImageView.as_view(), name="kb_image"),
]
