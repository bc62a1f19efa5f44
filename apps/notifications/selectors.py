"""Reads of alerts: a person sees their own, nobody else's."""

from __future__ import annotations

from django.db.models import QuerySet

from apps.notifications.models import Notification


def notification_list_visible_to(*, user) -> QuerySet[Notification]:
    """A person's own alerts; nobody (not even an administrator) reads another person's."""
    if not user.is_authenticated:
        return Notification.objects.none()
    return Notification.objects.filter(recipient=user)
