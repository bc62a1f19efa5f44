"""Queries of ALPR data (R-REP-1, R-AUD-1): by purpose, by unit, by user; queries without a purpose (must be 0)."""

from __future__ import annotations

from datetime import date

from django.db.models import Count, Q
from django.db.models.functions import TruncMonth
from django.utils import timezone

from apps.audit.choices import ALL_PURPOSE_CHOICES, Purpose, SystemPurpose
from apps.audit.models import AccessLog
from apps.reports.choices import ReportKind
from apps.reports.figures import column, count_item, section, table
from apps.reports.sections.common import local_period_bounds, month_label, months_between, person
from apps.reports.sections.registry import ReportSection, register_section

ACTION_LABELS = {
    "reads.search": "Searches",
    "reads.export": "Exports (CSV)",
    "reads.view": "Record views",
    "reads.image": "Image views",
    "reads.correct": "Corrections",
}


def queries_aggregate(period_start: date, period_end: date) -> dict:
    since, until = local_period_bounds(period_start, period_end)
    rows = AccessLog.objects.filter(occurred_at__gte=since, occurred_at__lt=until)
    queries = rows.filter(purpose__in=Purpose.values)
    known = [value for value, _ in ALL_PURPOSE_CHOICES]

    # Each figure is one GROUP BY over the period's index range; none loads rows into Python.
    totals = rows.aggregate(
        queries=Count("id", filter=Q(purpose__in=Purpose.values)),
        system=Count("id", filter=Q(purpose__in=SystemPurpose.values)),
        without_purpose=Count("id", filter=Q(purpose="") | ~Q(purpose__in=known)),
        without_case=Count("id", filter=Q(case_number="")),
        people=Count("user_id", distinct=True, filter=Q(purpose__in=Purpose.values)),
    )
    by_purpose = dict(queries.values_list("purpose").annotate(n=Count("id")).order_by())
    by_unit = list(queries.values("agency_name").annotate(n=Count("id")).order_by("-n", "agency_name"))
    by_action = dict(queries.values_list("action").annotate(n=Count("id")).order_by())
    by_user = list(
        queries.values("user_id", "username", "user__first_name", "user__last_name")
        .annotate(n=Count("id"), cases=Count("case_number", distinct=True))
        .order_by("-n", "username")
    )
    by_system_purpose = dict(
        rows.filter(purpose__in=SystemPurpose.values).values_list("purpose").annotate(n=Count("id")).order_by()
    )
    tz = timezone.get_current_timezone()
    by_month = {
        timezone.localtime(row["month"], tz).date().replace(day=1): row["n"]
        for row in queries.annotate(month=TruncMonth("occurred_at", tzinfo=tz)).values("month")
        .annotate(n=Count("id")).order_by()
    }

    total = totals["queries"]
    return section(
        "queries", "Queries of ALPR data",
        intro="Every search, export and record view of read data, from the access log (R-AUD-1). Each requires an "
              "authorized purpose and a case number (R-READ-3); civil immigration enforcement is never a purpose.",
        summary=[
            count_item("queries_total", "Queries of ALPR data (searches, exports, record views)", total),
            count_item("queries_people", "People who queried", totals["people"]),
            count_item("queries_without_purpose", "Queries without an authorized purpose", totals["without_purpose"],
                       expect_zero=True),
            count_item("queries_without_case", "Queries without a case number", totals["without_case"],
                       expect_zero=True),
            count_item("system_accesses", "Oversight, audit and records reviews of logged data", totals["system"]),
        ],
        tables=[
            table("by_purpose", "Queries by purpose", [column("Purpose"), column("Queries", "count")],
                  [[label, by_purpose.get(value, 0)] for value, label in Purpose.choices],
                  total=["Total", total], chart="hbar"),
            table("by_month", "Queries by month", [column("Month"), column("Queries", "count")],
                  [[month_label(m), by_month.get(m, 0)] for m in months_between(period_start, period_end)],
                  total=["Total", total], chart="bar"),
            table("by_unit", "Queries by unit (agency recorded on the query)",
                  [column("Agency / unit"), column("Queries", "count")],
                  [[row["agency_name"] or "(no agency)", row["n"]] for row in by_unit], total=["Total", total]),
            table("by_action", "Queries by kind", [column("Kind"), column("Queries", "count")],
                  [[ACTION_LABELS.get(action, action), n] for action, n in sorted(by_action.items())],
                  total=["Total", total]),
            table("by_system_purpose", "Reviews of logged data by the portal's own oversight",
                  [column("Reason"), column("Accesses", "count")],
                  [[label, by_system_purpose.get(value, 0)] for value, label in SystemPurpose.choices],
                  total=["Total", totals["system"]]),
            table("by_user", "Queries by user (usage review, R-AUD-3)",
                  [column("User", "person"), column("Queries", "count"), column("Case numbers cited", "count")],
                  [[person(row["user_id"], row["user__first_name"], row["user__last_name"], row["username"]),
                    row["n"], row["cases"]] for row in by_user]),
        ],
    )


register_section(ReportSection(
    key="queries", title="Queries of ALPR data", kinds=frozenset({ReportKind.SEMIANNUAL}), order=30,
    aggregate=queries_aggregate,
    covers="Queries by purpose and by unit; queries without a purpose (must be zero).",
))
