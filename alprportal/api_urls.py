"""API v1 routes. Every route here is walked by the authorization-matrix test."""

from django.urls import path

from apps.accounts.api.views import MeApi
from apps.audit.api.views import AccessLogListApi
from apps.training.api.views import TrainingRecordListApi

urlpatterns = [
    path("me/", MeApi.as_view(), name="me"),
    path("access-log/", AccessLogListApi.as_view(), name="access-log"),
    path("training/records/", TrainingRecordListApi.as_view(), name="training-records"),
]
