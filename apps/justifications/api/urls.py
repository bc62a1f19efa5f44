from django.urls import path

from apps.justifications.api import views

urlpatterns = [
    path("justifications/", views.JustificationQueueApi.as_view(), name="justifications"),
    path("justifications/reviews/", views.JustificationReviewCreateApi.as_view(), name="justification-reviews"),
]
