from django.urls import path

from apps.misuse import views

app_name = "misuse"

urlpatterns = [
    path("", views.FlagListView.as_view(), name="list"),
    path("run/", views.ReviewRunView.as_view(), name="run"),
    path("overrides/", views.OverrideView.as_view(), name="overrides"),
    path("<int:pk>/", views.FlagDetailView.as_view(), name="detail"),
]
