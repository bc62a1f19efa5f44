from django.urls import path

from apps.retention import views

app_name = "retention"

urlpatterns = [
    path("", views.RetentionPolicyView.as_view(), name="policy"),
    path("policy/edit/", views.RetentionPolicyEditView.as_view(), name="policy_edit"),
    path("runs/", views.RetentionRunListView.as_view(), name="runs"),
    path("runs/start/", views.RetentionRunStartView.as_view(), name="run_start"),
    path("runs/<int:pk>/", views.RetentionRunDetailView.as_view(), name="run"),
]
