"""Access-log integrity (R-AUD-1, R-AUD-1b): the hash chain verified from its first row against its signed anchors,
the anchored head published with the report, and the period's rows."""

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
    notes: list[str] = []
    summary = [
        status_item("chain_ok", "Hash-chain verification of the whole access log", result.ok, text),
        count_item("rows_checked", "Rows verified before the result", result.rows_checked),
        count_item("period_rows", "Access-log rows written in the period", period["rows"]),
        text_item("checked_at", "Verified at", f"{checked_at:%Y-%m-%d %H:%M %Z}"),
    ]
    if result.anchored_seq is not None:
        # R-AUD-1b: published so that anyone holding this report can prove later that the log still contains it.
        # The hash goes in a note (full width); a summary cell would wrap it over many lines.
        summary.append(text_item("anchored_head", "Anchored head of the chain (row)", f"#{result.anchored_seq:,}"))
        summary.append(text_item("anchored_at", "Head anchored (signed) at",
                                 f"{timezone.localtime(result.anchored_at):%Y-%m-%d %H:%M %Z}"))
        notes.append(f"Published head of the access log: {result.anchored_seq}:{result.anchored_hash} (SEQ:HASH). "
                     "Anyone holding this report can check later that the log still contains it: manage.py "
                     "verify_access_log --against-head SEQ:HASH (R-AUD-1b).")
    if period["rows"]:
        summary.append(text_item("period_seqs", "Rows of the period (chain positions)",
                                 f"#{period['first']:,} – #{period['last']:,}"))
    return section(
        "integrity", "Access-log integrity",
        intro="The access log is append-only; each row carries the SHA-256 of the previous row's hash and its own "
              "content, so any edit, deletion or insertion breaks the chain (R-AUD-1). The chain head is anchored "
              "regularly with a signature keyed by a secret the database does not hold, so a truncated tail or a "
              "rewritten row is detected too (R-AUD-1b).",
        summary=summary,
        notes=notes,
    )


register_section(ReportSection(
    key="integrity", title="Access-log integrity", order=100,
    kinds=frozenset({ReportKind.SEMIANNUAL, ReportKind.ANNUAL_TRAINING}),  # every issued report publishes the head
    aggregate=integrity_aggregate, covers="The result of the access log's hash-chain verification.",
))
