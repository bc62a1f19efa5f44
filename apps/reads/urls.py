from django.urls import path

from apps.reads import views

app_name = "reads"

urlpatterns = [
    path("", views.ReadSearchView.as_view(), name="search"),
    path("export.csv", views.ReadExportView.as_view(), name="export"),
    path("<int:pk>/", views.ReadDetailView.as_view(), name="detail"),
    path("<int:pk>/correct/", views.ReadCorrectView.as_view(), name="correct"),
    path("<int:pk>/image/<str:kind>/", views.ReadImageView.as_view(), name="image"),
    path("cameras/", views.CameraListView.as_view(), name="cameras"),
    path("cameras/<int:pk>/", views.CameraDetailView.as_view(), name="camera"),
    path("cameras/<int:pk>/status/", views.CameraStatusReportView.as_view(), name="camera_status"),
]
