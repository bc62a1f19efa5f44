"""Demo data for R-AUD-3a, R-AUD-4, R-SEC-1 and R-SEC-2 (``manage.py seed_demo``; idempotent, fast).

- ranks: the demo supervisor is a sergeant, the custodian a (civilian) manager: both receive violation reports;
- a violation report closed in the last ended half-year (counted in the demo's semi-annual report) and an open one
  sent to the supervisor;
- an audit-trail inspection in the last ended half-year (the schedule then shows when the next is due);
- a security incident closed in that half-year, scoped from the access log, and a query-volume alert from a burst of
  searches by the investigator an hour ago (open an incident from it on /audit/incidents/).

Past moments are written through the real services with the clock set back (as apps.ops.demo.reports does), so events
and access-log rows are chained like any other.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from unittest import mock

from django.utils import timezone

from apps.accounts.models import Rank, User
from apps.accounts.services import user_rank_set
from apps.audit.choices import IncidentKind, NotificationDecision
from apps.audit.models import QueryVolumeAlert, SecurityIncident
from apps.audit.security import (
    query_volume_check,
    security_incident_close,
    security_incident_decide_notification,
    security_incident_open,
    security_incident_scope_set,
)
from apps.audit.services import access_log_record
from apps.audits.choices import ViolationKind, ViolationOutcome
from apps.audits.models import AuditTrailInspection, ViolationReport
from apps.audits.services import audit_trail_inspection_run
from apps.audits.violations import violation_report_close, violation_report_review, violation_report_submit
from apps.reports.choices import ReportKind
from apps.reports.periods import last_ended_periods

DEMO_MARK = "[demo]"


def _clock(day, hour: int):
    moment = timezone.make_aware(datetime.combine(day, time(hour=hour)), timezone.get_current_timezone())
    return mock.patch("django.utils.timezone.now", return_value=moment.astimezone(UTC))


def seed_accountability_demo(*, stdout=None) -> None:
    people = {user.username: user for user in User.objects.filter(
        username__in=["supervisor", "custodian", "operator", "investigator", "sysadmin", "lapsed"])}
    if len(people) < 6:
        return
    supervisor = user_rank_set(actor=None, user=people["supervisor"], rank=Rank.SERGEANT)
    custodian = user_rank_set(actor=None, user=people["custodian"], rank=Rank.MANAGER)
    half = next(p for p in last_ended_periods(today=timezone.localdate()) if p.kind == ReportKind.SEMIANNUAL)

    if not ViolationReport.objects.filter(description__startswith=DEMO_MARK).exists():
        with _clock(half.start + timedelta(days=40), 10):
            closed = violation_report_submit(
                actor=people["operator"], kind=ViolationKind.ERROR, supervisor=supervisor,
                description=f"{DEMO_MARK} I confirmed a hit on the wrong state's plate before checking the image.")
        with _clock(half.start + timedelta(days=42), 9):
            violation_report_review(actor=supervisor, report=closed)
            violation_report_close(actor=supervisor, report=closed, outcome=ViolationOutcome.ERROR_CORRECTED,
                                   resolution="Hit marked as a misread; the deputy was reminded to check the state.")
        violation_report_submit(
            actor=people["investigator"], kind=ViolationKind.SUSPECTED_VIOLATION, supervisor=supervisor,
            occurred_on=timezone.localdate() - timedelta(days=3),
            description=f"{DEMO_MARK} A colleague ran a plate search for a case number I could not find in RMS.")

    if not AuditTrailInspection.objects.exists():
        with _clock(half.end - timedelta(days=20), 11):
            audit_trail_inspection_run(actor=custodian, note="Annual inspection of the audit information by the "
                                                            "ASAP Unit: chain, checkpoints and anchors verified.")

    if not SecurityIncident.objects.filter(description__startswith=DEMO_MARK).exists():
        detected = half.start + timedelta(days=75)
        with _clock(detected, 16):
            incident = security_incident_open(
                actor=people["sysadmin"], kind=IncidentKind.SUSPECTED_BREACH, title="Workstation left logged in",
                description=f"{DEMO_MARK} A detective's session stayed open on a shared workstation overnight.",
                detected_by=custodian)
            start = timezone.make_aware(datetime.combine(detected - timedelta(days=30), time.min))
            incident = security_incident_scope_set(actor=people["sysadmin"], incident=incident,
                                                   user=people["lapsed"], start=start,
                                                   end=timezone.make_aware(datetime.combine(detected, time.min)))
            security_incident_decide_notification(
                actor=people["sysadmin"], incident=incident, decision=NotificationDecision.NOT_REQUIRED,
                rationale="The access log shows no query outside the detective's own cases during the window.")
            security_incident_close(actor=people["sysadmin"], incident=incident,
                                    note="Screen lock set to 5 minutes on shared workstations.")

    if not QueryVolumeAlert.objects.exists():
        now = timezone.now()
        for index in range(32):
            with mock.patch("django.utils.timezone.now", return_value=now - timedelta(minutes=40, seconds=-index)):
                access_log_record(user=people["investigator"], action="reads.search", purpose="investigative_leads",
                                  case_number="DEMO-BURST-1", result_count=1, endpoint="reads:search",
                                  data_elements={"plate_pattern": None, "cameras": [], "area": {
                                      "center": {"latitude": 33.77, "longitude": -118.19}, "radius_km": 1}})
        query_volume_check(now=now)
    if stdout is not None:
        stdout.write("  Accountability: violation reports /audits/violations/ (supervisor is a sergeant); audit "
                     "schedule and inspections /audits/schedule/ (custodian); incidents and query-volume alerts "
                     "/audit/incidents/ (sysadmin, custodian)")
