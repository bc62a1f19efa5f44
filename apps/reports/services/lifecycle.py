"""A report's life: draft, refresh and issue it (each through a tracked report job)."""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.utils import timezone

from apps.audit.anchors import access_log_anchor
from apps.audit.models import AnchorReason
from apps.audit.services import event_record
from apps.audit.transitions import row_lock, transition_apply, transition_check
from apps.common.celery_utils import task_send_on_commit
from apps.common.errors import ApplicationError, PermissionDeniedError
from apps.reports.builder import figures_sha256, report_figures_build
from apps.reports.choices import ACTIVE_JOB_STATUSES, REPORT_TRANSITIONS, Audience, JobAction, ReportStatus
from apps.reports.models import OversightReport, ReportJob
from apps.reports.periods import report_period

NOT_A_REPORT_CUSTODIAN = "Only the custodian of records drafts, refreshes and issues oversight reports."
PERIOD_NOT_ENDED = "A report can be drafted only after its period has ended ({end:%B %-d, %Y})."
REPORT_ALREADY_ISSUED = "This report has been issued: its figures and PDFs are final and cannot be regenerated."
REPORT_JOB_ACTIVE = "The report is being generated; wait for the running job to finish."
REPORT_NOT_RENDERED = "Generate the draft PDFs from the current figures before issuing the report."


def _require(actor, permission: str) -> None:
    if actor is not None and not actor.has_perm(permission):
        raise PermissionDeniedError(NOT_A_REPORT_CUSTODIAN)


def _enqueue(job: ReportJob) -> None:
    from apps.reports.tasks import report_job_run

    # Never raises: with the broker down the request still succeeds and the job stays queued until
    # report_jobs_resend sends it (issue #9).
    task_send_on_commit(report_job_run, job.pk)


def _job_create(*, report: OversightReport, action: str, actor, enqueue: bool) -> ReportJob:
    if report.jobs.filter(status__in=ACTIVE_JOB_STATUSES).exists():
        raise ApplicationError(REPORT_JOB_ACTIVE, code="report_job_active")
    job = ReportJob(report=report, action=action, requested_by=actor if getattr(actor, "pk", None) else None,
                    step="Waiting for a worker")
    job.full_clean()
    job.save()
    if enqueue:
        _enqueue(job)
    return job


@transaction.atomic
def report_draft_create(*, actor, kind: str, period_start: date, today: date | None = None,
                        enqueue: bool = True) -> tuple[OversightReport, bool]:
    """Draft the report of ``kind`` for the period starting ``period_start`` (idempotent: an existing report is
    returned unchanged, with False). The figures are computed and the draft PDFs rendered by a job.

    ``actor`` None is the scheduled job. Refuses a period that has not ended (ApplicationError) and a person without
    ``reports.add_oversightreport`` (PermissionDeniedError).
    """
    _require(actor, "reports.add_oversightreport")
    period = report_period(kind=kind, start=period_start)
    today = today or timezone.localdate()
    if not period.has_ended(today):
        raise ApplicationError(PERIOD_NOT_ENDED.format(end=period.end), code="period_not_ended")
    existing = OversightReport.objects.select_for_update().filter(kind=kind, period_start=period.start).first()
    if existing is not None:
        return existing, False
    report = OversightReport(kind=kind, reference=period.reference, period_start=period.start,
                             period_end=period.end, due_on=period.due_on, drafted_by=actor)
    report.full_clean()
    report.save()
    event_record(actor=actor, code="alprportal.reports.report.drafted", target=report,
                 data={"period": [period.start, period.end], "due_on": period.due_on})
    _job_create(report=report, action=JobAction.REFRESH, actor=actor, enqueue=enqueue)
    return report, True


@transaction.atomic
def report_refresh(*, actor, report: OversightReport, enqueue: bool = True) -> ReportJob:
    """Recompute a draft's figures and re-render its three draft PDFs. Refused once issued (REPORT_ALREADY_ISSUED)."""
    _require(actor, "reports.add_oversightreport")
    report = OversightReport.objects.select_for_update().get(pk=report.pk)
    if report.status != ReportStatus.DRAFT:
        raise ApplicationError(REPORT_ALREADY_ISSUED, code="report_issued")
    return _job_create(report=report, action=JobAction.REFRESH, actor=actor, enqueue=enqueue)


# The report's state machine, for apps.audit.transitions: a second issue is refused with REPORT_ALREADY_ISSUED.
_REPORT_MACHINE = {"transitions": REPORT_TRANSITIONS,
                   "refuse": lambda *_: ApplicationError(REPORT_ALREADY_ISSUED, code="report_issued")}


@transaction.atomic
def report_issue(*, actor, report: OversightReport, enqueue: bool = True) -> OversightReport:
    """Draft → issued (R-REP-1a): the custodian has reviewed the draft PDFs; issuing recomputes the figures at this
    moment (queries logged since the draft count), anchors the access log's head with a signed anchor and publishes
    it with the report (R-AUD-1b); the final PDFs are rendered from the recomputed figures, frozen, and the oversight
    bodies are alerted. The event records whether the figures changed since the draft.

    Refused: without ``reports.issue_oversightreport``; when already issued; while a job runs; when no draft PDFs
    of the current draft were rendered (the custodian must have reviewed something).
    """
    if actor is None or not actor.has_perm("reports.issue_oversightreport"):
        raise PermissionDeniedError(NOT_A_REPORT_CUSTODIAN)
    report = row_lock(report)
    transition_check(report, ReportStatus.ISSUED, **_REPORT_MACHINE)
    if report.jobs.filter(status__in=ACTIVE_JOB_STATUSES).exists():
        raise ApplicationError(REPORT_JOB_ACTIVE, code="report_job_active")
    current = report.renditions.filter(source_figures_sha256=report.figures_sha256).exclude(
        source_figures_sha256=""
    )
    if not report.figures_sha256 or current.count() != len(Audience.values):
        raise ApplicationError(REPORT_NOT_RENDERED, code="report_not_rendered")
    draft_sha = report.figures_sha256
    # R-AUD-1b: anchor the head now, so the integrity section and the published head name the same signed anchor.
    anchor = access_log_anchor(reason=AnchorReason.REPORT, force=True)
    figures = report_figures_build(kind=report.kind, reference=report.reference, period_start=report.period_start,
                                   period_end=report.period_end, due_on=report.due_on)
    report.figures, report.figures_sha256, report.figures_computed_at = figures, figures_sha256(figures), timezone.now()
    if anchor is not None:
        report.published_head_seq, report.published_head_hash = anchor.seq, anchor.row_hash
        report.published_head_at = anchor.anchored_at
    report.issued_at, report.issued_by = timezone.now(), actor
    transition_apply(report, ReportStatus.ISSUED, actor=actor, event_code="alprportal.reports.report.issued",
                     update_fields=["figures", "figures_sha256", "figures_computed_at", "published_head_seq",
                                    "published_head_hash", "published_head_at", "issued_at", "issued_by"],
                     data={"figures_sha256": report.figures_sha256, "draft_figures_sha256": draft_sha,
                           "figures_recomputed": report.figures_sha256 != draft_sha,
                           "published_head": {"seq": report.published_head_seq,
                                              "hash": report.published_head_hash}},
                     **_REPORT_MACHINE)
    _job_create(report=report, action=JobAction.FINALIZE, actor=actor, enqueue=enqueue)
    return report
