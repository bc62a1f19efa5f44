"""Hits, evidence holds and retention runs (R-HOT-3–5, R-RET-1–4 → R-REP-1), from apps.hotlists, apps.holds and
apps.retention (read-only here; those apps own their records)."""

from __future__ import annotations

from datetime import date

from django.db.models import Count, Q, Sum

from apps.reports.choices import ReportKind
from apps.reports.figures import column, count_item, rate_item, section, table
from apps.reports.sections.common import local_period_bounds
from apps.reports.sections.registry import ReportSection, register_section

SEMIANNUAL = frozenset({ReportKind.SEMIANNUAL})


def hits_aggregate(period_start: date, period_end: date) -> dict:
    from apps.hotlists.choices import EntryReason, HitStatus, HotListSource
    from apps.hotlists.models import Hit
    from apps.reads.models import Read

    since, until = local_period_bounds(period_start, period_end)
    hits = Hit.objects.filter(captured_at__gte=since, captured_at__lt=until)
    confirmed_statuses = [HitStatus.CONFIRMED, HitStatus.ACTIONED]
    # R-HOT-4a: an action taken before confirmation (exigent circumstances) is not a confirmation.
    exigent = Q(confirmation_method="exigent")
    outcome = {
        "n": Count("id"),
        "confirmed": Count("id", filter=Q(status__in=confirmed_statuses) & ~exigent),
        "misread": Count("id", filter=Q(status=HitStatus.MISREAD)),
        "not_actionable": Count("id", filter=Q(status=HitStatus.NOT_ACTIONABLE)),
        "open": Count("id", filter=Q(status=HitStatus.NEW)),
    }
    totals = hits.aggregate(**outcome, actioned=Count("id", filter=Q(status=HitStatus.ACTIONED) & ~exigent),
                            exigent=Count("id", filter=exigent),
                            exigent_not_justified=Count("id", filter=exigent & Q(
                                exigent_review_outcome="not_justified")),
                            exigent_unreviewed=Count("id", filter=exigent & Q(exigent_reviewed_at__isnull=True)))
    by_reason = {row["entry__reason"]: row for row in hits.values("entry__reason").annotate(**outcome).order_by()}
    by_source = {row["hot_list__source"]: row for row in hits.values("hot_list__source").annotate(**outcome)
                 .order_by()}
    reads = Read.objects.filter(captured_at__gte=since, captured_at__lt=until).count()
    resolved = totals["confirmed"] + totals["misread"] + totals["not_actionable"] + totals["exigent"]
    empty = dict.fromkeys(outcome, 0)

    def row(label, values):
        return [label, values["n"], values["confirmed"], values["misread"], values["not_actionable"], values["open"]]

    columns = [column("Hits", "count"), column("Confirmed", "count"), column("Misread", "count"),
               column("Not actionable", "count"), column("Unconfirmed", "count")]
    total = row("Total", totals)
    return section(
        "hits", "Hot-list hits",
        intro="A hit is a read matching an active hot-list entry (R-HOT-3). It is not probable cause: it stays "
              "unconfirmed until someone records a confirmation (R-HOT-4); misreads feed data-quality review "
              "(R-HOT-5). Statuses are as of when this report was computed.",
        summary=[
            count_item("hits_total", "Hits", totals["n"]),
            count_item("hits_confirmed", "Confirmed", totals["confirmed"]),
            count_item("hits_actioned", "Confirmed with an action recorded", totals["actioned"]),
            count_item("hits_exigent", "Acted on before confirmation (exigent circumstances, R-HOT-4a)",
                       totals["exigent"]),
            count_item("hits_exigent_not_justified", "Of those, found not justified by a supervisor",
                       totals["exigent_not_justified"]),
            count_item("hits_exigent_unreviewed", "Of those, not yet reviewed by a supervisor",
                       totals["exigent_unreviewed"]),
            count_item("hits_misread", "Misread", totals["misread"]),
            count_item("hits_not_actionable", "Not actionable", totals["not_actionable"]),
            count_item("hits_open", "Still unconfirmed", totals["open"]),
            rate_item("hits_confirmed_rate", "Share of resolved hits confirmed", totals["confirmed"], resolved),
            rate_item("hits_misread_rate", "Share of resolved hits that were misreads", totals["misread"], resolved),
            rate_item("hit_rate", "Hits per read collected", totals["n"], reads),
        ],
        tables=[
            table("by_reason", "Hits by hot-list reason", [column("Reason"), *columns],
                  [row(label, by_reason.get(value, empty)) for value, label in EntryReason.choices], total=total,
                  chart="hbar"),
            table("by_source", "Hits by hot-list source", [column("Source"), *columns],
                  [row(label, by_source.get(value, empty)) for value, label in HotListSource.choices], total=total),
        ],
    )


def holds_aggregate(period_start: date, period_end: date) -> dict:
    from apps.holds.choices import HoldGround, HoldStatus
    from apps.holds.models import EvidenceHold

    # Approved by the supervisor: waiting for the custodian's verification (R-RET-3a), active, or since released.
    APPROVED_STATUSES = [HoldStatus.VERIFYING, HoldStatus.ACTIVE, HoldStatus.RELEASED]  # noqa: N806
    since, until = local_period_bounds(period_start, period_end)
    holds = EvidenceHold.objects.all()
    requested = holds.filter(requested_at__gte=since, requested_at__lt=until)
    decided = holds.filter(decided_at__gte=since, decided_at__lt=until)
    active_at_end = holds.filter(decided_at__lt=until, status__in=[HoldStatus.ACTIVE, HoldStatus.RELEASED]).filter(
        Q(released_at__isnull=True) | Q(released_at__gte=until)
    )
    by_ground = {row["ground"]: row for row in requested.values("ground").annotate(
        n=Count("id"), approved=Count("id", filter=Q(status__in=APPROVED_STATUSES)),
        denied=Count("id", filter=Q(status=HoldStatus.DENIED)),
    ).order_by()}
    empty = {"n": 0, "approved": 0, "denied": 0}
    return section(
        "holds", "Evidence holds",
        intro="An evidence hold keeps named reads out of archiving and purging for a case until it is released "
              "(R-RET-3); the investigator's supervisor approves it.",
        summary=[
            count_item("holds_requested", "Holds requested", requested.count()),
            count_item("holds_approved", "Holds approved", decided.filter(status__in=APPROVED_STATUSES).count()),
            count_item("holds_denied", "Holds denied", decided.filter(status=HoldStatus.DENIED).count()),
            count_item("holds_released", "Holds released", holds.filter(released_at__gte=since,
                                                                         released_at__lt=until).count()),
            count_item("holds_active_end", "Holds in force at the end of the period", active_at_end.count()),
            count_item("reads_held_end", "Reads kept by those holds",
                       active_at_end.aggregate(n=Sum("read_count"))["n"] or 0),
        ],
        tables=[
            table("by_ground", "Holds requested, by ground",
                  [column("Ground"), column("Requested", "count"), column("Approved", "count"),
                   column("Denied", "count")],
                  [[label, by_ground.get(value, empty)["n"], by_ground.get(value, empty)["approved"],
                    by_ground.get(value, empty)["denied"]] for value, label in HoldGround.choices],
                  total=["Total", requested.count(), sum(r["approved"] for r in by_ground.values()),
                         sum(r["denied"] for r in by_ground.values())]),
        ],
    )


def retention_aggregate(period_start: date, period_end: date) -> dict:
    from apps.retention.choices import RunStatus
    from apps.retention.models import RetentionRun

    since, until = local_period_bounds(period_start, period_end)
    runs = RetentionRun.objects.filter(queued_at__gte=since, queued_at__lt=until)
    totals = runs.aggregate(
        n=Count("id"), succeeded=Count("id", filter=Q(status=RunStatus.SUCCEEDED)),
        failed=Count("id", filter=Q(status=RunStatus.FAILED)), ms=Sum("duration_ms"),
    )
    # Each run's counts are {step: {measure: number}}; a half-year holds ~180 runs, so they are summed here.
    steps: dict[tuple[str, str], int] = {}
    for counts in runs.values_list("counts", flat=True):
        for step, measures in (counts or {}).items():
            for measure, value in (measures or {}).items():
                if isinstance(value, int) and not isinstance(value, bool):
                    steps[(step, measure)] = steps.get((step, measure), 0) + value
    return section(
        "retention", "Retention runs",
        intro="Every night reads past the retention period are archived, and archived reads past the archive period "
              "are purged unless held (R-RET-1, R-RET-2); each run records what it did (R-RET-4).",
        summary=[
            count_item("retention_runs", "Runs", totals["n"], institutional=True),
            count_item("retention_succeeded", "Runs that succeeded", totals["succeeded"], institutional=True),
            count_item("retention_failed", "Runs that failed", totals["failed"], institutional=True),
        ],
        tables=[
            table("by_step", "What the runs did", [column("Data"), column("Measure"), column("Total", "count")],
                  [[step.replace("_", " "), measure.replace("_", " "), value]
                   for (step, measure), value in sorted(steps.items())],
                  empty="No run recorded any work in this period."),
        ],
    )


register_section(ReportSection(
    key="hits", title="Hot-list hits", kinds=SEMIANNUAL, order=20, aggregate=hits_aggregate,
    source_app="apps.hotlists", covers="Hits by hot-list reason; confirmed, misread and the hit rate (R-HOT-3–5).",
))
register_section(ReportSection(
    key="holds", title="Evidence holds", kinds=SEMIANNUAL, order=60, aggregate=holds_aggregate,
    source_app="apps.holds", covers="Evidence holds requested, approved and released (R-RET-3).",
))
register_section(ReportSection(
    key="retention", title="Retention runs", kinds=SEMIANNUAL, order=70, aggregate=retention_aggregate,
    source_app="apps.retention", covers="Nightly archiving and purging: runs, counts, failures (R-RET-4).",
))
