"""Writes to oversight reports (R-REP-1, R-REP-2): draft, refresh, issue, render, alert, and oversight profiles.

A report moves draft → issued, once (``report_issue``). Drafts are (re)computed and rendered by a tracked job
(``report_job_execute``, run by the Celery task ``report_job_run``); issuing recomputes the figures at that moment
(R-REP-1a), anchors and publishes the access log's head (R-AUD-1b), and renders the final PDFs from those figures
and freezes them. Issued figures and PDFs are never written again: the services refuse, and
on PostgreSQL triggers refuse too.
"""

from __future__ import annotations

import logging
from datetime import date, timedelta

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from apps.accounts.roles import Role
from apps.audit.anchors import access_log_anchor
from apps.audit.choices import SystemPurpose
from apps.audit.models import AnchorReason
from apps.audit.services import access_log_record, event_record
from apps.audit.transitions import row_lock, transition_apply, transition_check
from apps.common.celery_utils import QUEUED_JOB_RESEND_AFTER, task_send_on_commit
from apps.common.errors import ApplicationError, PermissionDeniedError
from apps.common.jobs import JOBS_RESEND_LIMIT, job_claim, job_mark_failed, jobs_resend
from apps.notifications.models import Severity
from apps.notifications.services import notification_send, notifications_resolve
from apps.reports.builder import figures_sha256, rendition_figures_build, report_figures_build
from apps.reports.choices import (
    ACTIVE_JOB_STATUSES,
    BODY_AUDIENCE,
    REPORT_TRANSITIONS,
    Audience,
    JobAction,
    JobStatus,
    OversightBody,
    ReportStatus,
    TransmittalMethod,
)
from apps.reports.models import OversightProfile, OversightReport, ReportJob, ReportRendition, ReportTransmittal
from apps.reports.periods import last_ended_periods, report_period
from apps.reports.rendering import report_pdf_render

logger = logging.getLogger("alprportal.reports")

NOT_A_REPORT_CUSTODIAN = "Only the custodian of records drafts, refreshes and issues oversight reports."
PERIOD_NOT_ENDED = "A report can be drafted only after its period has ended ({end:%B %-d, %Y})."
REPORT_ALREADY_ISSUED = "This report has been issued: its figures and PDFs are final and cannot be regenerated."
REPORT_JOB_ACTIVE = "The report is being generated; wait for the running job to finish."
REPORT_NOT_RENDERED = "Generate the draft PDFs from the current figures before issuing the report."
ILLEGAL_TRANSITION = "A report that is {current} cannot become {target}."
PROFILE_NOT_OVERSIGHT = "Only oversight accounts belong to an oversight body."
NOT_A_PROFILE_ADMIN = "You may not assign oversight bodies."
NOT_A_TRANSMITTER = "Only the custodian of records records the transmittal of oversight reports."
TRANSMIT_NOT_ISSUED = "Only an issued report can be transmitted; issue it first."
TRANSMIT_BODY_NOT_RECIPIENT = "The {kind} is not sent to the {body} (policy 004 §X)."
TRANSMIT_RENDITION_NOT_FINAL = "The {audience} PDF is not final yet; wait until the issued PDFs are frozen."
TRANSMIT_METHOD_INVALID = "Choose how the report was sent."
TRANSMIT_OTHER_NEEDS_NOTE = "Say how the report was sent."
TRANSMIT_IN_FUTURE = "The time of sending cannot be in the future."
TRANSMIT_BEFORE_ISSUE = "The report cannot have been sent before it was issued ({issued:%Y-%m-%d %H:%M})."


def _require(actor, permission: str) -> None:
    if actor is not None and not actor.has_perm(permission):
        raise PermissionDeniedError(NOT_A_REPORT_CUSTODIAN)


def _enqueue(job: ReportJob) -> None:
    from apps.reports.tasks import report_job_run

    # Never raises: with the broker down the request still succeeds and the job stays queued until
    # report_jobs_resend sends it (issue #9).
    task_send_on_commit(report_job_run, job.pk)


def report_jobs_resend(*, queued_for: timedelta = QUEUED_JOB_RESEND_AFTER, limit: int = JOBS_RESEND_LIMIT
                       ) -> list[int]:
    """Send again every report job still queued after ``queued_for`` (its message was lost: the broker was down when
    it was created); oldest first, at most ``limit``. Returns the ids sent. Never raises for a broker outage (the
    jobs stay queued for the next run). A duplicate message is a no-op: ``report_job_execute`` runs a job only from
    queued (``job_claim``), so the PDFs are rendered and stored once."""
    from apps.reports.tasks import report_job_run

    return jobs_resend(model=ReportJob, task=report_job_run, queued_for=queued_for, limit=limit)


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
        transaction.on_commit(lambda: notification_send(
            roles=[Role.OVERSIGHT], title=f"Oversight report issued: {report.reference} ({report.period_label})",
            body=f"The {report.get_kind_display().lower()} for {report.period_label} has been issued.",
            link=reverse("reports:detail", args=[report.pk]), dedupe_key=f"reports.issued.{report.pk}",
        ))


def report_download_record(*, actor, rendition: ReportRendition, request=None) -> None:
    """Log a download (policy 004 §X): a domain event for every rendition, and — because the unredacted rendition
    names people, cases and plates — an access-log row for that one (R-AUD-1)."""
    event_record(actor=actor, code="alprportal.reports.rendition.downloaded", target=rendition.report, data={
        "audience": rendition.audience, "sha256": rendition.sha256, "final": rendition.is_final,
    })
    if rendition.audience == Audience.INSPECTOR_GENERAL:
        access_log_record(
            user=actor, action="reports.rendition.download",
            data_elements={"report": rendition.report.reference, "audience": rendition.audience,
                           "sha256": rendition.sha256},
            purpose=SystemPurpose.OVERSIGHT_AUDIT, case_number=rendition.report.reference, result_count=1,
            request=request, allow_system_purpose=True,
        )


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


@transaction.atomic
def report_transmittal_record(*, actor, report: OversightReport, body: str, method: str, sent_at=None,
                              recipient: str = "", note: str = "") -> ReportTransmittal:
    """Record that the rendition ``body`` is entitled to was sent to it (R-REP-1a): who (``actor``), which
    rendition (its frozen PDF and SHA-256), when (``sent_at``, default now) and how (``method``).

    Refused: without ``reports.add_reporttransmittal`` (PermissionDeniedError); for a draft; for a body the report
    is not sent to; before the issued PDF is frozen; a time in the future or before issuing; "other" without
    saying how. The Inspector General always gets the unredacted rendition, the Commission and the Board the
    redacted one — never chosen by the person recording. Once every body has its rendition, a
    ``report.transmitted`` event records whether that was within the due date.
    """
    if actor is None or not actor.has_perm("reports.add_reporttransmittal"):
        raise PermissionDeniedError(NOT_A_TRANSMITTER)
    report = OversightReport.objects.select_for_update().get(pk=report.pk)
    if report.status != ReportStatus.ISSUED:
        raise ApplicationError(TRANSMIT_NOT_ISSUED, code="report_not_issued")
    if body not in report.required_bodies:
        label = OversightBody(body).label if body in OversightBody.values else str(body)
        raise ApplicationError(TRANSMIT_BODY_NOT_RECIPIENT.format(kind=report.get_kind_display().lower(),
                                                                  body=label), code="body_not_recipient")
    if method not in TransmittalMethod.values:
        raise ApplicationError(TRANSMIT_METHOD_INVALID, code="method_invalid")
    note, recipient = (note or "").strip(), (recipient or "").strip()
    if method == TransmittalMethod.OTHER and not note:
        raise ApplicationError(TRANSMIT_OTHER_NEEDS_NOTE, code="method_unexplained")
    audience = BODY_AUDIENCE[body]
    rendition = report.renditions.filter(audience=audience, is_final=True, frozen_at__isnull=False).first()
    if rendition is None:
        raise ApplicationError(TRANSMIT_RENDITION_NOT_FINAL.format(audience=Audience(audience).label),
                               code="rendition_not_final")
    now = timezone.now()
    sent_at = sent_at or now
    if sent_at > now + timedelta(minutes=5):
        raise ApplicationError(TRANSMIT_IN_FUTURE, code="sent_in_future")
    # A time typed into the form has no seconds: the minute of issuing itself counts as after issuing.
    if sent_at < report.issued_at.replace(second=0, microsecond=0):
        raise ApplicationError(TRANSMIT_BEFORE_ISSUE.format(issued=timezone.localtime(report.issued_at)),
                               code="sent_before_issue")
    was_missing = report.bodies_not_transmitted()
    transmittal = ReportTransmittal(report=report, body=body, rendition=rendition, audience=audience,
                                    rendition_sha256=rendition.sha256, method=method, sent_at=sent_at,
                                    sent_by=actor, recipient=recipient, note=note)
    transmittal.full_clean()
    transmittal.save()
    event_record(actor=actor, code="alprportal.reports.transmittal.recorded", target=report, data={
        "body": body, "audience": audience, "sha256": rendition.sha256, "method": method,
        "sent_at": sent_at, "recipient": recipient,
    })
    report = OversightReport.objects.prefetch_related("transmittals").get(pk=report.pk)
    if was_missing and not report.bodies_not_transmitted():
        event_record(actor=actor, code="alprportal.reports.report.transmitted", target=report, data={
            "transmitted_on": report.transmitted_on, "due_on": report.due_on,
            "on_time": report.transmitted_on <= report.due_on,
        })
        # Sent to every body: the due/overdue alerts asked for exactly this (issue #17).
        notifications_resolve(dedupe_keys=[f"reports.overdue.{report.pk}", f"reports.due_soon.{report.pk}"])
    return transmittal


@transaction.atomic
def oversight_profile_set(*, actor, user, body: str) -> OversightProfile:
    """Say which oversight body an oversight account speaks for (it decides the rendition it may download)."""
    if actor is not None and not actor.has_perm("reports.change_oversightprofile"):
        raise PermissionDeniedError(NOT_A_PROFILE_ADMIN)
    if not user.has_role(Role.OVERSIGHT):
        raise ApplicationError(PROFILE_NOT_OVERSIGHT, code="not_oversight")
    profile = OversightProfile.objects.select_for_update().filter(user=user).first()
    old = profile.body if profile else None
    if profile is None:
        profile = OversightProfile(user=user, body=body)
    profile.body = body
    profile.full_clean()
    profile.save()
    if old != body:
        event_record(actor=actor, code="alprportal.reports.oversight_profile.set", target=user,
                     data={"old": old, "new": body})
    return profile

