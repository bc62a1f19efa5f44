"""Violations and errors reported by members (R-AUD-4), security incidents and breaches (R-SEC-1) and unusual
query volume alerts (R-SEC-2) → R-REP-1. Counts only: the reports' text and the people named stay in the portal."""

from __future__ import annotations

from datetime import date

from django.db.models import Count, Q

from apps.reports.choices import ReportKind
from apps.reports.figures import column, count_item, section, table
from apps.reports.sections.common import local_period_bounds
from apps.reports.sections.registry import ReportSection, register_section


def accountability_aggregate(period_start: date, period_end: date) -> dict:
    from apps.audit.choices import IncidentKind, IncidentStatus, NotificationDecision
    from apps.audit.models import QueryVolumeAlert, SecurityIncident
    from apps.audits.choices import ViolationKind, ViolationOutcome, ViolationStatus
    from apps.audits.models import ViolationReport

    since, until = local_period_bounds(period_start, period_end)
    received = ViolationReport.objects.filter(reported_at__gte=since, reported_at__lt=until)
    closed = ViolationReport.objects.filter(closed_at__gte=since, closed_at__lt=until)
    open_at_end = ViolationReport.objects.filter(reported_at__lt=until).filter(
        Q(closed_at__isnull=True) | Q(closed_at__gte=until))
    by_kind = dict(received.values_list("kind").annotate(n=Count("id")).order_by())
    by_outcome = dict(closed.values_list("outcome").annotate(n=Count("id")).order_by())

    detected = SecurityIncident.objects.filter(detected_at__gte=since, detected_at__lt=until)
    incident_totals = detected.aggregate(
        n=Count("id"), breaches=Count("id", filter=Q(kind=IncidentKind.BREACH)),
        notify=Count("id", filter=Q(notification_decision=NotificationDecision.NOTIFY)),
        notified=Count("id", filter=Q(notified_on__isnull=False)),
        closed=Count("id", filter=Q(status=IncidentStatus.CLOSED)),
    )
    by_incident_kind = dict(detected.values_list("kind").annotate(n=Count("id")).order_by())
    alerts = QueryVolumeAlert.objects.filter(window_end__gte=since, window_end__lt=until)
    return section(
        "accountability", "Reported violations, errors and security incidents",
        intro="Members report errors and suspected or confirmed violations to a supervisor of the rank of sergeant "
              "or higher, who closes each with an outcome (R-AUD-4, policy 004 §VIII). Security incidents and data "
              "breaches are registered with their scope and notification decision (R-SEC-1); unusual query volume "
              "by one person raises an alert (R-SEC-2).",
        summary=[
            count_item("violations_received", "Violation and error reports received", received.count()),
            count_item("violations_closed", "Reports closed in the period", closed.count()),
            count_item("violations_open_end", "Reports still open at the end of the period", open_at_end.count()),
            count_item("violations_substantiated", "Closed as a substantiated violation",
                       by_outcome.get(ViolationOutcome.SUBSTANTIATED, 0)),
            count_item("incidents", "Security incidents and breaches detected", incident_totals["n"],
                       institutional=True),
            count_item("breaches", "Of which data breaches", incident_totals["breaches"], institutional=True),
            count_item("incidents_notify", "Incidents where notification was required", incident_totals["notify"],
                       institutional=True),
            count_item("incidents_notified", "Incidents whose notifications were sent", incident_totals["notified"],
                       institutional=True),
            count_item("incidents_closed", "Incidents of the period closed", incident_totals["closed"],
                       institutional=True),
            count_item("query_volume_alerts", "Unusual query volume alerts", alerts.count()),
        ],
        tables=[
            table("violations_by_kind", "Violation and error reports received, by kind",
                  [column("Kind"), column("Reports", "count")],
                  [[label, by_kind.get(value, 0)] for value, label in ViolationKind.choices],
                  total=["Total", received.count()]),
            table("violations_by_outcome", "Reports closed, by outcome",
                  [column("Outcome"), column("Reports", "count")],
                  [[label, by_outcome.get(value, 0)] for value, label in ViolationOutcome.choices],
                  total=["Total", closed.count()]),
            table("incidents_by_kind", "Security incidents detected, by kind",
                  [column("Kind"), column("Incidents", "count", institutional=True)],
                  [[label, by_incident_kind.get(value, 0)] for value, label in IncidentKind.choices],
                  total=["Total", incident_totals["n"]]),
        ],
        notes=[f"Open reports: status {ViolationStatus.SUBMITTED.label.lower()} or "
               f"{ViolationStatus.UNDER_REVIEW.label.lower()} at the end of the period."],
    )


register_section(ReportSection(
    key="accountability", title="Reported violations, errors and security incidents",
    kinds=frozenset({ReportKind.SEMIANNUAL}), order=95, aggregate=accountability_aggregate,
    covers="Violation and error reports (R-AUD-4), security incidents and breaches (R-SEC-1), query volume "
           "alerts (R-SEC-2).",
))
