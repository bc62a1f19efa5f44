from django.urls import path

from apps.training import views

app_name = "training"

urlpatterns = [
    path("", views.MyTrainingView.as_view(), name="mine"),
    path("required/", views.TrainingRequiredView.as_view(), name="required"),
    path("policy/", views.PolicyAcknowledgeView.as_view(), name="acknowledge"),
    path("records/<int:pk>/certificate/", views.CertificateDownloadView.as_view(), name="certificate"),
]
