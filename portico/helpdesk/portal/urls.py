"""Case URLs inside the portal's namespace (included by portico/portal/urls.py under cases/).

Every one is in the access matrix (tests/security/test_access_matrix.py).
"""

from django.urls import path
from django.views.decorators.http import require_POST

from portico.helpdesk.portal import views

urlpatterns = [
    path("", views.CaseListView.as_view(), name="cases"),
    path("export.csv", views.CaseExportView.as_view(), name="cases_export"),
    path("new/", views.CaseCreateView.as_view(), name="case_create"),
    path("new/article-opened/", views.case_deflection, name="case_deflection"),
    path("<int:pk>/", views.CaseDetailView.as_view(), name="case"),
    path("<int:pk>/updates/", views.CaseUpdatesView.as_view(), name="case_updates"),
    path("<int:pk>/reply/", require_POST(views.CaseReplyView.as_view()), name="case_reply"),
    path("<int:pk>/close/", require_POST(views.CaseCloseView.as_view()), name="case_close"),
    path("<int:pk>/reopen/", require_POST(views.CaseReopenView.as_view()), name="case_reopen"),
    path("<int:pk>/rate/", require_POST(views.CaseRateView.as_view()), name="case_rate"),
    path("<int:pk>/edit/", views.CaseEditView.as_view(), name="case_edit"),
    path("attachments/<int:pk>/", views.CaseAttachmentView.as_view(), name="case_attachment"),
]
