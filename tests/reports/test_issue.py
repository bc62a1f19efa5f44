"""Draft → issued, once (R-REP-1): the final PDFs are rendered from the reviewed figures, carry their SHA-256 and
are never regenerated — the services refuse and PostgreSQL refuses."""

import hashlib
from datetime import date

import pytest
from django.db import IntegrityError, transaction

from apps.audit.models import DomainEvent
from apps.common.errors import ApplicationError, PermissionDeniedError
from apps.notifications.models import Notification
from apps.reports.choices import Audience, JobStatus, ReportStatus
from apps.reports.models import OversightReport, ReportRendition
from apps.reports.services.lifecycle import (
    REPORT_ALREADY_ISSUED,
    REPORT_JOB_ACTIVE,
    REPORT_NOT_RENDERED,
    report_draft_create,
    report_issue,
    report_refresh,
)
from tests.reports.support import draft_and_render, issue_and_finalize, pdf_text

pytestmark = pytest.mark.django_db


def test_a_report_is_issued_once_and_its_pdfs_are_final(custodian, inspector, supervisor,
                                                       django_capture_on_commit_callbacks):
    report, created = report_draft_create(actor=custodian, kind="semiannual", period_start=date(2026, 1, 1),
                                          today=date(2026, 7, 15), enqueue=False)
    assert created and report.due_on == date(2026, 9, 28)
    with pytest.raises(ApplicationError) as error:
        report_issue(actor=custodian, report=report, enqueue=False)
    assert error.value.message == REPORT_JOB_ACTIVE  # the draft job has not run yet

    report = draft_and_render(actor=custodian)  # runs the queued job
    drafts = {r.audience: r.sha256 for r in report.renditions.all()}
    assert "DRAFT" in pdf_text(report.renditions.get(audience=Audience.PUBLIC))
    with pytest.raises(PermissionDeniedError):
        report_issue(actor=supervisor, report=report, enqueue=False)

    with django_capture_on_commit_callbacks(execute=True):
        report = issue_and_finalize(actor=custodian, report=report)
    assert report.status == ReportStatus.ISSUED and report.jobs.first().status == JobStatus.SUCCEEDED
    for rendition in report.renditions.all():
        assert rendition.is_final and rendition.frozen_at is not None
        assert rendition.sha256 != drafts[rendition.audience]
        with rendition.file.open("rb") as handle:
            assert hashlib.sha256(handle.read()).hexdigest() == rendition.sha256
    public_text = pdf_text(report.renditions.get(audience=Audience.PUBLIC))
    assert "DRAFT" not in public_text and "Issued on" in public_text
    assert DomainEvent.objects.filter(code="alprportal.reports.report.issued", target_id=str(report.pk)).exists()
    assert Notification.objects.filter(recipient=inspector, dedupe_key=f"reports.issued.{report.pk}").exists()

    for attempt in (lambda: report_refresh(actor=custodian, report=report, enqueue=False),
                    lambda: report_issue(actor=custodian, report=report, enqueue=False)):
        with pytest.raises(ApplicationError) as error:
            attempt()
        assert error.value.message == REPORT_ALREADY_ISSUED


def test_issuing_needs_drafts_of_the_current_figures(custodian):
    report = draft_and_render(actor=custodian)
    OversightReport.objects.filter(pk=report.pk).update(figures_sha256="0" * 64)
    with pytest.raises(ApplicationError) as error:
        report_issue(actor=custodian, report=report, enqueue=False)
    assert error.value.message == REPORT_NOT_RENDERED


def test_the_database_refuses_to_change_an_issued_report(custodian):
    report = issue_and_finalize(actor=custodian, report=draft_and_render(actor=custodian))
    rendition = report.renditions.first()
    with pytest.raises(IntegrityError), transaction.atomic():
        ReportRendition.objects.filter(pk=rendition.pk).update(sha256="f" * 64, file="reports/forged.pdf")
    with pytest.raises(IntegrityError), transaction.atomic():
        ReportRendition.objects.filter(pk=rendition.pk).delete()
    with pytest.raises(IntegrityError), transaction.atomic():
        OversightReport.objects.filter(pk=report.pk).update(figures={"forged": True})
    with pytest.raises(IntegrityError), transaction.atomic():
        OversightReport.objects.filter(pk=report.pk).update(status=ReportStatus.DRAFT)
