from django.urls import path

from apps.holds import views

app_name = "holds"

urlpatterns = [
    path("", views.HoldListView.as_view(), name="list"),
    path("new/", views.HoldCreateView.as_view(), name="create"),
    path("<int:pk>/", views.HoldDetailView.as_view(), name="detail"),
    path("<int:pk>/approve/", views.HoldApproveView.as_view(), name="approve"),
    path("<int:pk>/deny/", views.HoldDenyView.as_view(), name="deny"),
    path("<int:pk>/verify/", views.HoldVerifyView.as_view(), name="verify"),
    path("<int:pk>/verify/refuse/", views.HoldVerifyRefuseView.as_view(), name="verify_refuse"),
    path("<int:pk>/booking/", views.HoldBookingView.as_view(), name="booking"),
    path("<int:pk>/release/", views.HoldReleaseView.as_view(), name="release"),
    path("<int:pk>/reaffirm/", views.HoldReaffirmView.as_view(), name="reaffirm"),
    path("<int:pk>/share/", views.HoldShareView.as_view(), name="share"),
    path("<int:pk>/export/", views.HoldExportView.as_view(), name="export"),
    path("<int:pk>/export/<int:export_id>/download/", views.EvidenceExportDownloadView.as_view(),
         name="export_download"),
]
