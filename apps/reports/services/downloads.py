"""Recording who downloaded a report's PDF."""

from __future__ import annotations

from apps.audit.choices import SystemPurpose
from apps.audit.services import access_log_record, event_record
from apps.reports.choices import Audience
from apps.reports.models import ReportRendition


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
