"""Shifts API routes (included by alprportal/api_urls.py)."""

from django.urls import path

from apps.shifts.api import views

urlpatterns = [
    path("shifts/units/", views.MyUnitsApi.as_view(), name="shift-units"),
    path("shifts/sign-on/", views.SignOnApi.as_view(), name="shift-sign-on"),
    path("shifts/sign-ons/<int:pk>/sign-off/", views.SignOffApi.as_view(), name="shift-sign-off"),
    path("shifts/gaps/", views.GapReportApi.as_view(), name="shift-gaps"),
    path("shifts/gaps/reviews/", views.GapReviewApi.as_view(), name="shift-gap-reviews"),
]
