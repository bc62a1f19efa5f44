"""Issuing recomputes (R-REP-1a; issue #14 finding 9) and publishes the anchored access-log head (R-AUD-1b).

"Issue this report" used to issue the figures computed when the draft was rendered: searches logged since were
missing from the issued report. Issuing now recomputes the figures at that moment, the final PDFs are rendered from
them, and the page asks for an explicit confirmation (server-side) because issuing cannot be undone.
"""

from __future__ import annotations

import re
from datetime import date

import pytest
from django.core.management import call_command
from django.urls import reverse

from apps.audit.models import AccessLog, AccessLogAnchor, AnchorReason, DomainEvent
from apps.reports.choices import Audience, ReportStatus
from apps.reports.figures import summary_value
from apps.reports.views import ISSUE_CONFIRMATION_REQUIRED
from tests.reports.support import draft_and_render, issue_and_finalize, log_query, pdf_text

pytestmark = pytest.mark.django_db


def _queries_total(figures: dict) -> int:
    section = next(s for s in figures["sections"] if s["key"] == "queries")
    return summary_value(section, "queries_total")["value"]


def test_a_search_logged_after_the_draft_is_in_the_issued_figures_and_pdfs(history, capsys):
    custodian = history["custodian"]
    report = draft_and_render(actor=custodian)
    drafted = _queries_total(report.figures)
    draft_sha = report.figures_sha256
    log_query(history["ivy"], date(2026, 6, 29), case_number="LATE-1")  # logged after the draft, in the period

    report = issue_and_finalize(actor=custodian, report=report)
    assert report.status == ReportStatus.ISSUED
    assert _queries_total(report.figures) == drafted + 1
    assert report.figures_sha256 != draft_sha
    for rendition in report.renditions.all():
        assert rendition.is_final and rendition.source_figures_sha256 == report.figures_sha256
    event = DomainEvent.objects.get(code="alprportal.reports.report.issued", target_id=str(report.pk))
    assert event.data["draft_figures_sha256"] == draft_sha and event.data["figures_recomputed"] is True

    # The issued report carries the access log's head, anchored (signed) at the moment of issue (R-AUD-1b) ...
    head = AccessLog.objects.order_by("-seq").first()
    anchor = AccessLogAnchor.objects.order_by("-id").first()
    assert anchor.reason == AnchorReason.REPORT and anchor.seq == head.seq
    assert (report.published_head_seq, report.published_head_hash) == (anchor.seq, anchor.row_hash)
    integrity = next(s for s in report.figures["sections"] if s["key"] == "integrity")
    assert summary_value(integrity, "anchored_head")["value"] == f"#{anchor.seq:,}"
    published = f"{anchor.seq}:{anchor.row_hash}"
    assert any(published in note for note in integrity["notes"])
    public = re.sub(r"\s+", "", pdf_text(report.renditions.get(audience=Audience.PUBLIC)))
    assert f"{anchor.seq}:{anchor.row_hash}" in public
    # ... which an outsider holding the report can check later.
    call_command("verify_access_log", "--against-head", published)
    assert f"Published head #{anchor.seq} proven" in capsys.readouterr().out


def test_issuing_from_the_page_requires_the_confirmation(client, history):
    custodian = history["custodian"]
    report = draft_and_render(actor=custodian)
    client.force_login(custodian)
    page = client.get(reverse("reports:detail", args=[report.pk])).content.decode()
    assert 'name="confirm"' in page and "cannot be undone" in page
    response = client.post(reverse("reports:issue", args=[report.pk]), follow=True)
    assert ISSUE_CONFIRMATION_REQUIRED in response.content.decode()
    report.refresh_from_db()
    assert report.status == ReportStatus.DRAFT
    client.post(reverse("reports:issue", args=[report.pk]), {"confirm": "on"})
    report.refresh_from_db()
    assert report.status == ReportStatus.ISSUED


def test_the_annual_training_report_publishes_the_anchored_head_too(history):
    """R-AUD-1b: every issued report, the annual training report included, carries the signed head of the access log
    in its figures and in each rendition's PDF, so an oversight body holding any of them can check the log later."""
    custodian = history["custodian"]
    report = issue_and_finalize(actor=custodian, report=draft_and_render(
        actor=custodian, kind="annual_training", start=date(2025, 1, 1), today=date(2026, 1, 20)))
    anchor = AccessLogAnchor.objects.order_by("-id").first()
    assert (report.published_head_seq, report.published_head_hash) == (anchor.seq, anchor.row_hash)
    integrity = next(s for s in report.figures["sections"] if s["key"] == "integrity")
    assert summary_value(integrity, "anchored_head")["value"] == f"#{anchor.seq:,}"
    for rendition in report.renditions.all():
        assert f"{anchor.seq}:{anchor.row_hash}" in re.sub(r"\s+", "", pdf_text(rendition)), rendition.audience
