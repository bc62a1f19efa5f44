"""Notifications about an evidence hold, and resolving the alerts that asked for a decision."""

from __future__ import annotations

from collections.abc import Iterable

from django.urls import reverse

from apps.holds.models import EvidenceHold
from apps.notifications.models import Severity
from apps.notifications.services import notification_send_on_commit, notifications_resolve


def hold_notify(people: Iterable, *, title: str, body: str = "", hold: EvidenceHold, key: str,
            severity: str = Severity.INFO) -> None:
    link = reverse("holds:detail", args=[hold.pk])
    recipients = [person for person in people if person is not None]
    notification_send_on_commit(recipients=recipients, title=title, body=body, link=link,
                                severity=severity, dedupe_key=f"holds.{hold.pk}.{key}")


def hold_alerts_resolve(hold: EvidenceHold, *keys: str) -> None:
    """The alerts that asked for this step leave everyone's home page once it is done (issue #17)."""
    notifications_resolve(dedupe_keys=[f"holds.{hold.pk}.{key}" for key in keys if not key.endswith(".")],
                          dedupe_prefixes=[f"holds.{hold.pk}.{key}" for key in keys if key.endswith(".")])
