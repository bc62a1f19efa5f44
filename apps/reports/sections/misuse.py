"""The portal's review of its own access log (R-AUD-3, apps.misuse) → R-REP-1: flags raised in the period by
pattern, flags resolved by finding, and those found not justified (each a violation report, R-AUD-4). Counts only:
who was flagged and the rows behind a flag stay in the portal."""

from __future__ import annotations

from datetime import date

from django.db.models import Count, Q

from apps.reports.choices import ReportKind
from apps.reports.figures import column, count_item, section, table
from apps.reports.sections.common import local_period_bounds
from apps.reports.sections.registry import ReportSection, register_section


def misuse_aggregate(period_start: date, period_end: date) -> dict:
    from apps.misuse.choices import FlagKind, FlagStatus
    from apps.misuse.models import MisuseFlag

    since, until = local_period_bounds(period_start, period_end)
    raised = MisuseFlag.objects.filter(detected_at__gte=since, detected_at__lt=until)
    resolved = MisuseFlag.objects.filter(resolved_at__gte=since, resolved_at__lt=until)
    open_at_end = MisuseFlag.objects.filter(detected_at__lt=until).filter(
        Q(resolved_at__isnull=True) | Q(resolved_at__gte=until)).count()
    by_kind = dict(raised.values_list("kind").annotate(n=Count("id")).order_by())
    by_finding = dict(resolved.values_list("status").annotate(n=Count("id")).order_by())
    return section(
        "misuse", "Misuse flags from the portal's review of its access log",
        intro="Every night the portal reviews its own access log for patterns of misuse — one plate under several "
              "case numbers or over weeks, searches outside recorded shifts, unusual volumes, text pointing at civil "
              "immigration enforcement or protected activities, unverified or reused case numbers, searches without "
              "a plate clustered on one place and day — and sends each flag to the person's supervisor, who records "
              "a finding; a flag found not justified is reported as a violation (R-AUD-3, R-AUD-4).",
        summary=[
            count_item("flags_raised", "Misuse flags raised", raised.count()),
            count_item("flags_resolved", "Flags resolved in the period", resolved.count()),
            count_item("flags_justified", "Found justified", by_finding.get(FlagStatus.JUSTIFIED, 0)),
            count_item("flags_not_justified", "Found not justified (reported as violations)",
                       by_finding.get(FlagStatus.NOT_JUSTIFIED, 0)),
            count_item("flags_open_end", "Flags still open at the end of the period", open_at_end),
        ],
        tables=[
            table("flags_by_kind", "Misuse flags raised, by pattern", [column("Pattern"), column("Flags", "count")],
                  [[label, by_kind.get(value, 0)] for value, label in FlagKind.choices],
                  total=["Total", raised.count()]),
        ],
    )


register_section(ReportSection(
    key="misuse", title="Misuse flags from the portal's review of its access log",
    kinds=frozenset({ReportKind.SEMIANNUAL}), order=96, aggregate=misuse_aggregate, source_app="apps.misuse",
    covers="Flags raised by the nightly review of the access log and their findings (R-AUD-3, R-AUD-4).",
))
