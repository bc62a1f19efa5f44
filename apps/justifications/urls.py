from django.urls import path

from apps.justifications import views

app_name = "justifications"

urlpatterns = [
    path("", views.JustificationQueueView.as_view(), name="queue"),
    path("searches/<int:log_pk>/review/", views.SearchReviewView.as_view(), name="search_review"),
    path("entries/<int:entry_pk>/review/", views.EntryReviewView.as_view(), name="entry_review"),
]
