"""Alerts of the hot-list app: stale lists, units out of service."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from apps.audit.services import event_record
from apps.hotlists.choices import HotListSource
from apps.hotlists.models import HotList
from apps.notifications.models import Severity
from apps.notifications.services import notification_send

# --- Alerts --------------------------------------------------------------------------------------------------------


def hot_lists_alert_stale(*, now: datetime | None = None) -> int:
    """Alert the owner of every active external list that has gone stale (R-HOT-2), once per stale period (the
    dedupe key names the last refresh). Idempotent; returns the number of alerts sent. Staleness itself is decided at
    match time, whether or not this ran."""
    now = now or timezone.now()
    sent = 0
    for hot_list in HotList.objects.filter(active=True, source__in=[s.value for s in HotListSource
                                                                       if s != HotListSource.OWN]):
        if not hot_list.is_stale(now):
            continue
        refreshed = hot_list.last_refreshed_at.isoformat() if hot_list.last_refreshed_at else "never"
        with transaction.atomic():
            created = notification_send(
                recipients=[hot_list.owner], severity=Severity.CRITICAL,
                title=f"Hot list “{hot_list.name}” is stale and no longer matches",
                body=(f"It was last refreshed {refreshed}. A list from another agency is not used for more than "
                      f"{settings.PORTAL['PARTNER_HOTLIST_MAX_AGE_HOURS']} hours without a refresh (R-HOT-2). "
                      "Upload its current version to resume matching."),
                link=reverse("hotlists:detail", args=[hot_list.pk]),
                dedupe_key=f"hotlist-stale:{hot_list.pk}:{refreshed}",
            )
            if created:
                event_record(actor=None, code="alprportal.hotlists.list.stale", target=hot_list,
                             data={"last_refreshed_at": hot_list.last_refreshed_at, "owner": hot_list.owner_id})
        sent += len(created)
    return sent


