"""The public transparency page (R-REP-3): no login."""

from django.urls import path

from apps.reports import views

app_name = "transparency"

urlpatterns = [
    path("", views.TransparencyView.as_view(), name="index"),
    path("summaries/<int:pk>.pdf", views.PublicSummaryDownloadView.as_view(), name="summary"),
]
