from django.urls import path

from apps.ocr import views

app_name = "ocr"

urlpatterns = [
    path("", views.OcrUploadView.as_view(), name="upload"),
    path("jobs/<int:pk>/", views.OcrJobDetailView.as_view(), name="job"),
    path("jobs/<int:pk>/status/", views.OcrJobStatusView.as_view(), name="job_status"),
    path("items/<int:pk>/photo/", views.OcrItemImageView.as_view(), name="item_photo"),
    path("items/<int:pk>/accept/", views.OcrItemAcceptView.as_view(), name="item_accept"),
    path("items/<int:pk>/correct/", views.OcrItemCorrectView.as_view(), name="item_correct"),
]
