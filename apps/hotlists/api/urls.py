"""Hot-list API routes (included by alprportal/api_urls.py)."""

from django.urls import path

from apps.hotlists.api import views

urlpatterns = [
    path("hits/", views.HitLiveApi.as_view(), name="hits"),
    path("hits/<int:pk>/", views.HitDetailApi.as_view(), name="hit-detail"),
    path("hits/<int:pk>/confirm/", views.HitConfirmApi.as_view(), name="hit-confirm"),
    path("hits/<int:pk>/misread/", views.HitMisreadApi.as_view(), name="hit-misread"),
    path("hits/<int:pk>/not-actionable/", views.HitNotActionableApi.as_view(), name="hit-not-actionable"),
    path("hits/<int:pk>/action/", views.HitActionApi.as_view(), name="hit-action"),
    path("hits/<int:pk>/exigent/", views.HitExigentApi.as_view(), name="hit-exigent"),
    path("hits/<int:pk>/exigent-review/", views.HitExigentReviewApi.as_view(), name="hit-exigent-review"),
    path("hotlists/", views.HotListListApi.as_view(), name="hotlists"),
    path("hotlists/<int:pk>/feed/", views.HotListFeedApi.as_view(), name="hotlist-feed"),
]
