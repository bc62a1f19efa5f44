"""The public transparency page (R-REP-3, R-REP-3a, R-REP-4): no login."""

from django.urls import path

from apps.reports import public_views, views

app_name = "transparency"

urlpatterns = [
    path("", views.TransparencyView.as_view(), name="index"),
    path("summaries/<int:pk>.pdf", views.PublicSummaryDownloadView.as_view(), name="summary"),
    path("policies/<int:pk>.pdf", public_views.PolicyDocumentDownloadView.as_view(), name="policy_document"),
    path("public-comment/<int:pk>/minutes.pdf", public_views.PublicCommentMinutesView.as_view(),
         name="public_comment_minutes"),
]
