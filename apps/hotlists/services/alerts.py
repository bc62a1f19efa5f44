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


def units_out_of_service_notify(*, now: datetime | None = None, lookback_hours: int = 24) -> int:
    """Tell the ALPR Administrator (R-ADM-1; ``alpr_administrator_recipients``, which falls back to the agency's
    system administrators when none is designated) and the officer's own supervisor about units reported out of
    service in the last ``lookback_hours`` that are still out of service (policy 002, R-READ-5). Idempotent per
    status report."""
    from datetime import timedelta

    from apps.accounts.selectors import alpr_administrator_recipients
    from apps.reads.choices import CameraStatus
    from apps.reads.models import CameraStatusReport

    now = now or timezone.now()
    reports = (CameraStatusReport.objects.filter(status=CameraStatus.OUT_OF_SERVICE,
                                                 camera__status=CameraStatus.OUT_OF_SERVICE,
                                                 reported_at__gte=now - timedelta(hours=lookback_hours))
               .select_related("camera__agency", "camera__assigned_officer__supervisor", "reported_by"))
    sent = 0
    for report in reports:
        officer = report.camera.assigned_officer
        with transaction.atomic():
            sent += len(notification_send(
                recipients=[*alpr_administrator_recipients(agency=report.camera.agency),
                            *([officer.supervisor] if officer and officer.supervisor else [])],
                severity=Severity.WARNING,
                title=f"{report.camera} reported out of service",
                body=(f"Reported by {report.reported_by} at {timezone.localtime(report.reported_at):%Y-%m-%d %H:%M}, "
                      f"effective {timezone.localtime(report.effective_at):%Y-%m-%d %H:%M}: {report.reason} "
                      "Its reads are stored flagged and are not matched against the hot lists until it is back in "
                      "service (R-READ-5a)."),
                link=reverse("reads:camera", args=[report.camera_id]),
                dedupe_key=f"unit-out-of-service:{report.pk}",
            ))
    return sent
