"""Scheduled drafting, due/overdue alerts, and a report rendered by a real Celery worker through Redis."""

import hashlib
import time
from datetime import date

import pytest
from django.conf import settings

from apps.notifications.models import Notification, Severity
from apps.reports.choices import Audience, JobStatus
from apps.reports.models import OversightReport
from apps.reports.services.lifecycle import report_draft_create
from apps.reports.services.schedule import reports_alert_due, reports_draft_due
from apps.reports.tasks import reports_check_due, reports_draft_due_task


def test_the_schedules_are_on_the_beat():
    draft = settings.CELERY_BEAT_SCHEDULE["reports-draft-due"]
    assert draft["task"] == reports_draft_due_task.name
    assert draft["schedule"].day_of_month == {1} and draft["schedule"].month_of_year == {1, 7}
    assert settings.CELERY_BEAT_SCHEDULE["reports-check-due"]["task"] == reports_check_due.name


@pytest.mark.django_db
def test_the_day_after_a_period_ends_its_report_is_drafted_once():
    drafted = reports_draft_due(today=date(2027, 1, 1), enqueue=False)
    assert sorted(r.reference for r in drafted) == ["ATR-2026", "SAR-2026-H2"]
    assert {r.due_on for r in drafted} == {date(2027, 3, 31)}
    assert reports_draft_due(today=date(2027, 1, 2), enqueue=False) == []
    assert OversightReport.objects.count() == 2


@pytest.mark.django_db
def test_overdue_reports_alert_the_custodian_once(custodian):
    report, _ = report_draft_create(actor=None, kind="semiannual", period_start=date(2026, 1, 1),
                                    today=date(2026, 7, 1), enqueue=False)
    assert reports_alert_due(today=date(2026, 9, 1)) == []  # due Sept 28: not yet within 14 days
    assert reports_alert_due(today=date(2026, 9, 20)) == [report]
    assert Notification.objects.get(recipient=custodian, dedupe_key=f"reports.due_soon.{report.pk}").severity == \
        Severity.WARNING
    assert reports_alert_due(today=date(2026, 9, 29)) == [report]
    overdue = Notification.objects.get(recipient=custodian, dedupe_key=f"reports.overdue.{report.pk}")
    assert overdue.severity == Severity.CRITICAL and "overdue" in overdue.title
    assert reports_alert_due(today=date(2026, 9, 30)) == []  # deduplicated
    assert report.is_overdue(date(2026, 9, 29)) and not report.is_overdue(date(2026, 9, 28))


@pytest.mark.celery_worker
def test_a_report_is_rendered_by_a_real_worker(celery_worker, custodian):
    report, created = report_draft_create(actor=custodian, kind="semiannual", period_start=date(2026, 1, 1))
    assert created
    job = report.jobs.get()
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if job.status in (JobStatus.SUCCEEDED, JobStatus.FAILED):
            break
        time.sleep(0.5)
    assert job.status == JobStatus.SUCCEEDED, job.error
    assert job.started_at and job.finished_at and job.progress == 100
    renditions = {r.audience: r for r in report.renditions.all()}
    assert set(renditions) == set(Audience.values)
    with renditions[Audience.PUBLIC].file.open("rb") as handle:
        content = handle.read()
    assert content.startswith(b"%PDF") and hashlib.sha256(content).hexdigest() == renditions[Audience.PUBLIC].sha256
