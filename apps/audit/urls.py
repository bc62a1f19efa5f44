from django.urls import path

from apps.audit import views

app_name = "audit"

urlpatterns = [
    path("access-log/", views.AccessLogView.as_view(), name="access_log"),
    path("incidents/", views.IncidentListView.as_view(), name="incidents"),
    path("incidents/new/", views.IncidentCreateView.as_view(), name="incident_new"),
    path("incidents/<int:pk>/", views.IncidentDetailView.as_view(), name="incident"),
    path("incidents/<int:pk>/<str:action>/", views.IncidentActionView.as_view(), name="incident_action"),
    path("query-volume-alerts/<int:pk>/escalate/", views.QueryVolumeAlertEscalateView.as_view(),
         name="query_volume_escalate"),
]
