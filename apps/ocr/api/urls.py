"""OCR API routes (included by alprportal/api_urls.py)."""

from django.urls import path

from apps.ocr.api import views

urlpatterns = [
    path("ocr/jobs/", views.OcrJobListCreateApi.as_view(), name="ocr-jobs"),
    path("ocr/jobs/<int:pk>/", views.OcrJobDetailApi.as_view(), name="ocr-job-detail"),
]
