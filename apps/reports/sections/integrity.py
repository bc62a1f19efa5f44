"""Access-log integrity (R-AUD-1): the hash chain verified from its first row, and the period's rows."""

from __future__ import annotations

from datetime import date

from django.db.models import Count, Max, Min
from django.utils import timezone

from apps.audit.models import AccessLog
from apps.audit.selectors import access_log_verify_chain
from apps.reports.choices import ReportKind
from apps.reports.figures import count_item, section, status_item, text_item
from apps.reports.sections.common import local_period_bounds
from apps.reports.sections.registry import ReportSection, register_section


def integrity_aggregate(period_start: date, period_end: date) -> dict:
    since, until = local_period_bounds(period_start, period_end)
    period = AccessLog.objects.filter(occurred_at__gte=since, occurred_at__lt=until).aggregate(
        rows=Count("id"), first=Min("seq"), last=Max("seq")
    )
    checked_at = timezone.localtime()
    result = access_log_verify_chain()
    if result.ok:
        text = f"Intact: all {result.rows_checked:,} rows verify."
    else:
        text = f"BROKEN at row #{result.first_broken_seq}: {result.problem}."
    summary = [
        status_item("chain_ok", "Hash-chain verification of the whole access log", result.ok, text),
        count_item("rows_checked", "Rows verified before the result", result.rows_checked),
        count_item("period_rows", "Access-log rows written in the period", period["rows"]),
        text_item("checked_at", "Verified at", f"{checked_at:%Y-%m-%d %H:%M %Z}"),
    ]
    if period["rows"]:
        summary.append(text_item("period_seqs", "Rows of the period (chain positions)",
                                 f"#{period['first']:,} – #{period['last']:,}"))
    return section(
        "integrity", "Access-log integrity",
        intro="The access log is append-only; each row carries the SHA-256 of the previous row's hash and its own "
              "content, so any edit, deletion or insertion breaks the chain (R-AUD-1).",
        summary=summary,
    )


register_section(ReportSection(
    key="integrity", title="Access-log integrity", kinds=frozenset({ReportKind.SEMIANNUAL}), order=100,
    aggregate=integrity_aggregate, covers="The result of the access log's hash-chain verification.",
))
