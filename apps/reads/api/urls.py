"""Reads API routes (included by alprportal/api_urls.py). Ingest routes accept camera tokens only; the others
accept people only."""

from django.urls import path

from apps.reads.api import views

urlpatterns = [
    path("ingest/reads/", views.ReadIngestApi.as_view(), name="ingest-reads"),
    path("ingest/openalpr/", views.OpenAlprWebhookApi.as_view(), name="ingest-openalpr"),
    path("ingest/images/", views.IngestImageUploadApi.as_view(), name="ingest-images"),
    path("reads/search/", views.ReadSearchApi.as_view(), name="reads-search"),
    path("reads/export/", views.ReadExportApi.as_view(), name="reads-export"),
    path("reads/<int:pk>/", views.ReadDetailApi.as_view(), name="read-detail"),
    path("reads/<int:pk>/corrections/", views.ReadCorrectionCreateApi.as_view(), name="read-corrections"),
    path("cameras/", views.CameraListCreateApi.as_view(), name="cameras"),
    path("cameras/<int:pk>/", views.CameraDetailApi.as_view(), name="camera-detail"),
    path("cameras/<int:pk>/status-reports/", views.CameraStatusReportCreateApi.as_view(), name="camera-status"),
]
