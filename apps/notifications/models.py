"""Alerts to people: a sunset approaching, a stale partner hot list, a failed nightly run, an overdue report."""

from django.conf import settings
from django.db import models


class Severity(models.TextChoices):
    INFO = "info", "Information"
    WARNING = "warning", "Needs attention"
    CRITICAL = "critical", "Urgent"


class Notification(models.Model):
    """One alert to one person. ``dedupe_key`` makes repeated alerts (a daily job re-checking) idempotent."""

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    severity = models.CharField(max_length=10, choices=Severity.choices, default=Severity.INFO)
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    link = models.CharField(max_length=500, blank=True, help_text="A path inside the portal.")
    dedupe_key = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "dedupe_key"], condition=~models.Q(dedupe_key=""), name="notification_once"
            ),
        ]
        indexes = [models.Index(fields=["recipient", "read_at"], name="notification_unread")]

    def __str__(self) -> str:
        return f"{self.recipient}: {self.title}"
