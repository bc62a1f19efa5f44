"""Helpers shared by the oversight tests (tests/audits, tests/reports): backdated history written through the real
services, so access-log rows are chained exactly as in production."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from unittest import mock

from django.utils import timezone

from apps.audit.services import access_log_record, event_record


def local_noon(day: date, hour: int = 12) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour=hour)), timezone.get_current_timezone())


def at(moment: datetime):
    """Set the clock (timezone.now, always UTC) to ``moment`` while writing history."""
    return mock.patch("django.utils.timezone.now", return_value=moment.astimezone(UTC))


def log_query(user, day: date, *, purpose: str = "crime_analysis", case_number: str = "CASE-1", plate: str = "7ABC123",
              action: str = "reads.search", hour: int = 12, result_count: int = 3):
    with at(local_noon(day, hour)):
        return access_log_record(
            user=user, action=action, data_elements={"plate_pattern": plate, "plate_match": "exact"},
            purpose=purpose, case_number=case_number, result_count=result_count,
        )


def log_blocked_attempt(user, day: date):
    with at(local_noon(day)):
        return event_record(actor=user, code="alprportal.training.access.blocked", target=user,
                            data={"path": "/reads/", "method": "GET", "missing_course": "ALPR annual refresher"})


def days(start: date, count: int, step: int = 1) -> list[date]:
    return [start + timedelta(days=i * step) for i in range(count)]


def pdf_text(rendition, *, layout: bool = False) -> str:
    """The text of a rendition's PDF, extracted with poppler's pdftotext."""
    import subprocess

    with rendition.file.open("rb") as handle:
        content = handle.read()
    args = ["pdftotext", *(["-layout"] if layout else []), "-", "-"]
    return subprocess.run(args, input=content, capture_output=True, check=True).stdout.decode()  # noqa: S603


def draft_and_render(*, actor, kind="semiannual", start=None, today=None):
    """Draft a report and run its job in-process; returns the report."""
    from apps.reports.services.jobs import report_job_execute
    from apps.reports.services.lifecycle import report_draft_create

    report, _ = report_draft_create(actor=actor, kind=kind, period_start=start or date(2026, 1, 1),
                                    today=today or date(2026, 7, 15), enqueue=False)
    job = report.jobs.order_by("-id").first()
    report_job_execute(job_id=job.pk)
    report.refresh_from_db()
    return report


def issue_and_finalize(*, actor, report):
    from apps.reports.services.jobs import report_job_execute
    from apps.reports.services.lifecycle import report_issue

    report_issue(actor=actor, report=report, enqueue=False)
    report_job_execute(job_id=report.jobs.order_by("-id").first().pk)
    report.refresh_from_db()
    return report
