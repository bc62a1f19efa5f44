"""Hot-list API routes (included by alprportal/api_urls.py)."""

from django.urls import path

from apps.hotlists.api import views

urlpatterns = [
    path("hits/", views.HitLiveApi.as_view(), name="hits"),
    path("hotlists/", views.HotListListApi.as_view(), name="hotlists"),
    path("hotlists/<int:pk>/feed/", views.HotListFeedApi.as_view(), name="hotlist-feed"),
]
