from django.urls import path

from apps.notifications import views

app_name = "notifications"

urlpatterns = [
    path("<int:pk>/dismiss/", views.notification_dismiss, name="dismiss"),
]
