"""Reports that are due: the nightly drafting and the custodian's alert."""

from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from apps.accounts.roles import Role
from apps.notifications.models import Severity
from apps.notifications.services import notification_send
from apps.reports.choices import OversightBody, ReportStatus
from apps.reports.models import OversightReport
from apps.reports.periods import last_ended_periods
from apps.reports.services.lifecycle import report_draft_create


def reports_draft_due(*, today: date | None = None, enqueue: bool = True) -> list[OversightReport]:
    """Scheduled (the day after a period ends, and daily as a catch-up): draft the most recently ended period of
    each kind if it has no report yet. Idempotent."""
    today = today or timezone.localdate()
    drafted = []
    for period in last_ended_periods(today=today):
        report, created = report_draft_create(actor=None, kind=period.kind, period_start=period.start, today=today,
                                              enqueue=enqueue)
        if created:
            drafted.append(report)
    return drafted


def reports_alert_due(*, today: date | None = None) -> list[OversightReport]:
    """Daily: alert the custodian about each report not transmitted to every oversight body by its due date
    (critical) or due within PORTAL["REPORT_DUE_SOON_DAYS"] (warning). R-REP-1a: judged on transmittal, not on
    issuing — an issued report nobody sent is overdue all the same. One alert per report and kind of alert."""
    today = today or timezone.localdate()
    soon = today + timedelta(days=settings.PORTAL["REPORT_DUE_SOON_DAYS"])
    alerted = []
    candidates = OversightReport.objects.filter(due_on__lte=soon).prefetch_related("transmittals").order_by("due_on")
    for report in candidates:
        missing = report.bodies_not_transmitted()
        if not missing:
            continue
        overdue = report.is_overdue(today)
        state = "has not been issued" if report.status == ReportStatus.DRAFT else "was issued but not sent"
        bodies = ", ".join(OversightBody(body).label for body in missing)
        sent = notification_send(
            roles=[Role.CUSTODIAN],
            title=(f"Oversight report overdue: {report.reference} was due {report.due_on:%Y-%m-%d}" if overdue
                   else f"Oversight report due {report.due_on:%Y-%m-%d}: {report.reference}"),
            body=f"The {report.get_kind_display().lower()} for {report.period_label} {state} to: {bodies} "
                 f"(policy 004 §X: within 90 days after the period ends). Record each transmittal on the report's "
                 f"page.",
            link=reverse("reports:detail", args=[report.pk]),
            severity=Severity.CRITICAL if overdue else Severity.WARNING,
            dedupe_key=f"reports.{'overdue' if overdue else 'due_soon'}.{report.pk}",
        )
        if sent:
            alerted.append(report)
    return alerted
