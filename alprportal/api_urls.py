"""API v1 routes. Every route here is walked by the authorization-matrix test."""

from django.urls import include, path

from apps.accounts.api.views import MeApi
from apps.audit.api.views import AccessLogListApi
from apps.disclosures.api.views import (
    DisclosureRequestDetailApi,
    DisclosureRequestListCreateApi,
    DisclosureRequestRespondApi,
    ReleasePackageDownloadApi,
    StaffEnteredRequestApi,
)
from apps.training.api.views import TrainingRecordListApi

urlpatterns = [
    path("me/", MeApi.as_view(), name="me"),
    path("access-log/", AccessLogListApi.as_view(), name="access-log"),
    path("training/records/", TrainingRecordListApi.as_view(), name="training-records"),
    path("disclosures/requests/", DisclosureRequestListCreateApi.as_view(), name="disclosure-requests"),
    path("disclosures/requests/<int:pk>/", DisclosureRequestDetailApi.as_view(), name="disclosure-request-detail"),
    path("disclosures/requests/<int:pk>/respond/", DisclosureRequestRespondApi.as_view(),
         name="disclosure-request-respond"),
    path("disclosures/requests/<int:pk>/package/", ReleasePackageDownloadApi.as_view(),
         name="disclosure-package-download"),
    path("disclosures/entered/", StaffEnteredRequestApi.as_view(), name="disclosure-entered"),
    path("", include("apps.reads.api.urls")),
    path("", include("apps.hotlists.api.urls")),
    path("", include("apps.justifications.api.urls")),
    path("", include("apps.shifts.api.urls")),
    path("", include("apps.ocr.api.urls")),
]
