from django.urls import path

from apps.shifts import views

app_name = "shifts"

urlpatterns = [
    path("", views.SignOnPageView.as_view(), name="sign_on"),
    path("units/<int:camera_pk>/sign-on/", views.SignOnView.as_view(), name="unit_sign_on"),
    path("sign-ons/<int:pk>/sign-off/", views.SignOffView.as_view(), name="sign_off"),
    path("gaps/", views.GapReportView.as_view(), name="gaps"),
    path("leave/", views.LeaveView.as_view(), name="leave"),
    path("gaps/reviews/", views.GapReviewView.as_view(), name="gap_review"),
]
