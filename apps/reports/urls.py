from django.urls import path

from apps.reports import views

app_name = "reports"

urlpatterns = [
    path("", views.ReportListView.as_view(), name="list"),
    path("draft/", views.ReportDraftView.as_view(), name="draft"),
    path("<int:pk>/", views.ReportDetailView.as_view(), name="detail"),
    path("<int:pk>/refresh/", views.ReportRefreshView.as_view(), name="refresh"),
    path("<int:pk>/issue/", views.ReportIssueView.as_view(), name="issue"),
    path("<int:pk>/transmittals/", views.ReportTransmittalCreateView.as_view(), name="transmittal"),
    path("<int:pk>/download/<str:audience>/", views.RenditionDownloadView.as_view(), name="download"),
]
