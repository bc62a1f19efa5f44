from django.urls import path

from apps.audits import views

app_name = "audits"

urlpatterns = [
    path("", views.CampaignListView.as_view(), name="list"),
    path("new/", views.CampaignCreateView.as_view(), name="create"),
    path("schedule/", views.AuditScheduleView.as_view(), name="schedule"),
    path("schedule/inspect/", views.InspectionRunView.as_view(), name="inspect"),
    path("violations/", views.ViolationListView.as_view(), name="violations"),
    path("violations/new/", views.ViolationCreateView.as_view(), name="violation_new"),
    path("violations/<int:pk>/", views.ViolationDetailView.as_view(), name="violation"),
    path("violations/<int:pk>/<str:action>/", views.ViolationActionView.as_view(), name="violation_action"),
    path("summaries/", views.CampaignSummaryListView.as_view(), name="summaries"),
    path("follow-ups/", views.FollowUpListView.as_view(), name="follow_ups"),
    path("follow-ups/<int:sample_pk>/resolve/", views.FollowUpResolveView.as_view(), name="resolve"),
    path("<int:pk>/", views.CampaignDetailView.as_view(), name="detail"),
    path("<int:pk>/samples/<int:sample_pk>/review/", views.SampleReviewView.as_view(), name="review"),
    path("<int:pk>/submit/", views.CampaignSubmitView.as_view(), name="submit"),
    path("<int:pk>/approve/", views.CampaignApproveView.as_view(), name="approve"),
    path("<int:pk>/return/", views.CampaignReturnView.as_view(), name="return"),
]
