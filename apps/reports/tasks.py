"""Thin Celery tasks for oversight reports: load ids, call a service, record failures on the tracked job."""

from __future__ import annotations

import logging

from celery import shared_task
from django.db import OperationalError

from apps.common.jobs import TrackedJobTask
from apps.reports.services.jobs import report_job_execute, report_jobs_resend
from apps.reports.services.schedule import reports_alert_due, reports_draft_due

logger = logging.getLogger("alprportal.reports")


@shared_task(bind=True, base=TrackedJobTask, job_model="reports.ReportJob", name="apps.reports.tasks.report_job_run",
             autoretry_for=(OperationalError,), retry_backoff=True, max_retries=3)
def report_job_run(self, job_id: int) -> str:
    """Compute and render a report (or freeze an issued one). Domain errors (ApplicationError) are not retried:
    the job row says why it failed. A lost database connection is retried."""
    job = report_job_execute(job_id=job_id)
    return job.status


@shared_task(name="apps.reports.tasks.reports_draft_due")
def reports_draft_due_task() -> list[str]:
    """Jan 1 and Jul 1: draft the report of the period that just ended (R-REP-1, R-REP-2)."""
    return [report.reference for report in reports_draft_due()]


@shared_task(name="apps.reports.tasks.reports_check_due")
def reports_check_due() -> dict[str, list[str]]:
    """Daily: draft any ended period still missing its report (catch-up if the Jan/Jul run was missed), then alert
    the custodian about reports due soon or overdue."""
    drafted = [report.reference for report in reports_draft_due()]
    alerted = [report.reference for report in reports_alert_due()]
    if drafted or alerted:
        logger.info("Reports drafted: %s; alerts: %s", drafted, alerted)
    return {"drafted": drafted, "alerted": alerted}


@shared_task(name="apps.reports.tasks.report_jobs_resend", acks_late=True, autoretry_for=(OperationalError,),
             retry_backoff=5, max_retries=3)
def report_jobs_resend_task() -> list[int]:
    """Every 5 minutes: send again the report jobs still queued (their message was lost, e.g. the broker was down
    when the job was created). Idempotent: a duplicate message is a no-op."""
    return report_jobs_resend()
