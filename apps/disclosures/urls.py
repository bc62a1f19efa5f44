from django.urls import path

from apps.disclosures import views

app_name = "disclosures"

urlpatterns = [
    path("requests/", views.DisclosureRequestListView.as_view(), name="list"),
    path("requests/new/", views.DisclosureRequestCreateView.as_view(), name="create"),
    path("requests/enter/", views.StaffEnteredRequestView.as_view(), name="enter"),
    path("requests/<int:pk>/", views.DisclosureRequestDetailView.as_view(), name="detail"),
    path("requests/<int:pk>/respond/", views.DisclosureRequestRespondView.as_view(), name="respond"),
    path("requests/<int:pk>/package/", views.ReleasePackageDownloadView.as_view(), name="package"),
]
