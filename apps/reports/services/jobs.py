"""The report job: compute the figures, render and store the PDFs; its failure hook and catch-up resend."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.core.files.base import ContentFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from apps.accounts.roles import Role
from apps.audit.services import event_record
from apps.common.celery_utils import QUEUED_JOB_RESEND_AFTER
from apps.common.errors import ApplicationError
from apps.common.jobs import JOBS_RESEND_LIMIT, job_claim, job_mark_failed, jobs_resend
from apps.notifications.services import notification_send_on_commit
from apps.reports.builder import figures_sha256, rendition_figures_build, report_figures_build
from apps.reports.choices import Audience, JobAction, JobStatus, ReportStatus
from apps.reports.models import OversightReport, ReportJob, ReportRendition
from apps.reports.rendering import report_pdf_render
from apps.reports.services.lifecycle import REPORT_ALREADY_ISSUED

logger = logging.getLogger("alprportal.reports")
ILLEGAL_TRANSITION = "A report that is {current} cannot become {target}."


def report_jobs_resend(*, queued_for: timedelta = QUEUED_JOB_RESEND_AFTER, limit: int = JOBS_RESEND_LIMIT
                       ) -> list[int]:
    """Send again every report job still queued after ``queued_for`` (its message was lost: the broker was down when
    it was created); oldest first, at most ``limit``. Returns the ids sent. Never raises for a broker outage (the
    jobs stay queued for the next run). A duplicate message is a no-op: ``report_job_execute`` runs a job only from
    queued (``job_claim``), so the PDFs are rendered and stored once."""
    from apps.reports.tasks import report_job_run

    return jobs_resend(model=ReportJob, task=report_job_run, queued_for=queued_for, limit=limit)


def _job_progress(job_id: int, progress: int, step: str) -> None:
    ReportJob.objects.filter(pk=job_id).update(progress=min(progress, 100), step=step[:120])


def report_job_failed(job: ReportJob, *, old_status: str, actor=None) -> None:
    """``JOB_ON_FAILED`` of a report job (``job_mark_failed``, called by the service itself and by the task's
    on_failure): its step says so."""
    job.step = "Failed"
    job.save(update_fields=["step"])


def report_job_execute(*, job_id: int) -> ReportJob:
    """Run one queued report job (idempotent: a job that is not queued is left alone).

    Refresh: compute the figures (SQL aggregation per section), render the three draft PDFs, store them — unless
    the report was issued meanwhile (REPORT_ALREADY_ISSUED). Finalize: render each not-yet-frozen rendition of the
    issued report from its reviewed figures, store it with its SHA-256, and freeze it. The heavy work runs outside
    any lock; the write re-checks the state under the lock.
    """
    with transaction.atomic():
        job = job_claim(model=ReportJob, job_id=job_id, queryset=ReportJob.objects.select_related("report"))
        if job is None:
            return ReportJob.objects.get(pk=job_id)
        job.step, job.progress = "Started", 1
        job.save(update_fields=["step", "progress"])
    try:
        if job.action == JobAction.REFRESH:
            _refresh(job)
        else:
            _finalize(job)
    except Exception as exc:
        job_mark_failed(model=ReportJob, job_id=job.pk,
                        error=getattr(exc, "message", None) or str(exc) or type(exc).__name__)
        raise
    with transaction.atomic():
        job = ReportJob.objects.select_for_update().get(pk=job.pk)
        job.status, job.finished_at, job.progress, job.step = JobStatus.SUCCEEDED, timezone.now(), 100, "Done"
        job.save(update_fields=["status", "finished_at", "progress", "step"])
    return job


def _render_all(report: OversightReport, figures: dict, sha: str, job_id: int, *, final: bool,
                audiences: list[str]) -> dict[str, tuple[dict, object]]:
    rendered = {}
    for index, audience in enumerate(audiences):
        _job_progress(job_id, 60 + int(35 * index / len(audiences)), f"Rendering {Audience(audience).label}")
        redacted = rendition_figures_build(figures=figures, audience=audience)
        issued_by_name = ""
        if final and audience == Audience.INSPECTOR_GENERAL and report.issued_by_id:
            issued_by_name = report.issued_by.get_full_name() or report.issued_by.get_username()
        pdf = report_pdf_render(
            figures=redacted, figures_sha256=sha, period_label=report.period_label, final=final,
            issued_on=timezone.localtime(report.issued_at).date() if report.issued_at else None,
            issued_by_name=issued_by_name,
        )
        rendered[audience] = (redacted, pdf)
    return rendered


def _store(rendition: ReportRendition, report: OversightReport, audience: str, redacted: dict, pdf, sha: str,
           *, final: bool) -> list[str]:
    """Write one rendition's file and row; returns the superseded file names to delete after commit."""
    superseded = [rendition.file.name] if rendition.pk and rendition.file else []
    rendition.report, rendition.audience, rendition.figures = report, audience, redacted
    rendition.sha256, rendition.size, rendition.page_count = pdf.sha256, len(pdf.content), pdf.page_count
    rendition.source_figures_sha256, rendition.is_final, rendition.generated_at = sha, final, timezone.now()
    rendition.frozen_at = timezone.now() if final else None
    kind = "final" if final else "draft"
    rendition.file.save(f"{audience}-{kind}-{pdf.sha256[:16]}.pdf", ContentFile(pdf.content), save=False)
    rendition.full_clean()
    rendition.save()
    return superseded


def _delete_files_on_commit(names: list[str]) -> None:
    from django.core.files.storage import default_storage

    def _delete():
        for name in names:
            try:
                default_storage.delete(name)
            except OSError:  # a leftover draft file is harmless; the row no longer points at it
                logger.warning("Could not delete superseded report file %s", name)

    if names:
        transaction.on_commit(_delete)


def _refresh(job: ReportJob) -> None:
    report = job.report
    if report.status != ReportStatus.DRAFT:
        raise ApplicationError(REPORT_ALREADY_ISSUED, code="report_issued")
    figures = report_figures_build(
        kind=report.kind, reference=report.reference, period_start=report.period_start,
        period_end=report.period_end, due_on=report.due_on,
        progress=lambda percent, step: _job_progress(job.pk, percent, step),
    )
    sha = figures_sha256(figures)
    rendered = _render_all(report, figures, sha, job.pk, final=False, audiences=list(Audience.values))
    _job_progress(job.pk, 97, "Storing the PDFs")
    with transaction.atomic():
        report = OversightReport.objects.select_for_update().get(pk=report.pk)
        if report.status != ReportStatus.DRAFT:
            raise ApplicationError(REPORT_ALREADY_ISSUED, code="report_issued")
        report.figures, report.figures_sha256, report.figures_computed_at = figures, sha, timezone.now()
        report.save(update_fields=["figures", "figures_sha256", "figures_computed_at"])
        existing = {r.audience: r for r in ReportRendition.objects.select_for_update().filter(report=report)}
        superseded = []
        for audience, (redacted, pdf) in rendered.items():
            rendition = existing.get(audience) or ReportRendition()
            if rendition.frozen_at is not None:
                raise ApplicationError(REPORT_ALREADY_ISSUED, code="report_issued")
            superseded += _store(rendition, report, audience, redacted, pdf, sha, final=False)
        event_record(actor=job.requested_by, code="alprportal.reports.report.refreshed", target=report,
                     data={"figures_sha256": sha, "renditions": {a: p.sha256 for a, (_, p) in rendered.items()}})
        _delete_files_on_commit(superseded)


def _finalize(job: ReportJob) -> None:
    report = OversightReport.objects.select_related("issued_by").get(pk=job.report_id)
    if report.status != ReportStatus.ISSUED:
        raise ApplicationError(ILLEGAL_TRANSITION.format(current="a draft", target="final"), code="not_issued")
    pending = list(report.renditions.filter(frozen_at__isnull=True).values_list("audience", flat=True))
    missing = [a for a in Audience.values if not report.renditions.filter(audience=a).exists()]
    rendered = _render_all(report, report.figures, report.figures_sha256, job.pk, final=True,
                           audiences=[a for a in Audience.values if a in pending or a in missing])
    with transaction.atomic():
        superseded = []
        for audience, (redacted, pdf) in rendered.items():
            rendition = (ReportRendition.objects.select_for_update().filter(report=report, audience=audience).first()
                         or ReportRendition())
            if rendition.frozen_at is not None:
                continue  # another run froze it first; a frozen rendition is never written again
            superseded += _store(rendition, report, audience, redacted, pdf, report.figures_sha256, final=True)
        event_record(actor=job.requested_by, code="alprportal.reports.report.finalized", target=report, data={
            "renditions": {r.audience: r.sha256 for r in report.renditions.all()},
        })
        _delete_files_on_commit(superseded)
        notification_send_on_commit(
            roles=[Role.OVERSIGHT], title=f"Oversight report issued: {report.reference} ({report.period_label})",
            body=f"The {report.get_kind_display().lower()} for {report.period_label} has been issued.",
            link=reverse("reports:detail", args=[report.pk]), dedupe_key=f"reports.issued.{report.pk}",
        )
