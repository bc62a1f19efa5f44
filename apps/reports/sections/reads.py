"""Reads collected (R-REP-1): by month and by camera/unit, with flagged reads and corrected misreads."""

from __future__ import annotations

from datetime import date

from django.db.models import Count, Q
from django.db.models.functions import TruncMonth
from django.utils import timezone

from apps.reports.choices import ReportKind
from apps.reports.figures import column, count_item, section, table
from apps.reports.sections.common import local_period_bounds, month_label, months_between
from apps.reports.sections.registry import ReportSection, register_section


def reads_aggregate(period_start: date, period_end: date) -> dict:
    from apps.reads.choices import CameraStatus
    from apps.reads.models import Camera, CameraStatusReport, Read, ReadCorrection

    since, until = local_period_bounds(period_start, period_end)
    tz = timezone.get_current_timezone()
    # One scan of the period: counts per (camera, month); everything else is folded from these few rows.
    grouped = (
        Read.objects.filter(captured_at__gte=since, captured_at__lt=until)
        .annotate(month=TruncMonth("captured_at", tzinfo=tz))
        .values("camera_id", "month")
        .annotate(n=Count("id"), flagged=Count("id", filter=Q(flagged_out_of_service=True)))
        .order_by()
    )
    by_month: dict[date, int] = {}
    by_camera: dict[int, list[int]] = {}
    for row in grouped:
        month = timezone.localtime(row["month"], tz).date() if hasattr(row["month"], "hour") else row["month"]
        by_month[month] = by_month.get(month, 0) + row["n"]
        totals = by_camera.setdefault(row["camera_id"], [0, 0])
        totals[0] += row["n"]
        totals[1] += row["flagged"]
    total = sum(by_month.values())
    flagged = sum(flagged for _, flagged in by_camera.values())
    cameras = Camera.objects.in_bulk(list(by_camera))
    camera_rows = sorted(
        ([cameras[pk].name, cameras[pk].get_kind_display(), counts[0], counts[1]] for pk, counts in by_camera.items()),
        key=lambda row: (-row[2], row[0]),
    )
    corrections = ReadCorrection.objects.filter(corrected_at__gte=since, corrected_at__lt=until).count()
    outages = CameraStatusReport.objects.filter(
        effective_at__gte=since, effective_at__lt=until, status=CameraStatus.OUT_OF_SERVICE
    ).count()
    return section(
        "reads", "Reads collected",
        intro="Plate reads captured by the agency's fixed cameras, mobile units and uploads in the period "
              "(R-READ-1), including reads since archived by retention.",
        summary=[
            count_item("reads_total", "Reads collected", total),
            count_item("cameras_reporting", "Cameras and units that collected reads", len(by_camera),
                       institutional=True),
            count_item("cameras_in_service", "Cameras and units in service when this report was computed",
                       Camera.objects.filter(status=CameraStatus.IN_SERVICE).count(), institutional=True),
            count_item("reads_flagged", "Reads flagged: captured while the unit was out of service", flagged),
            count_item("unit_outages", "Units reported damaged or inoperable", outages, institutional=True),
            count_item("reads_corrected", "Misreads corrected (original kept, R-READ-2)", corrections),
        ],
        tables=[
            table("by_month", "Reads by month", [column("Month"), column("Reads", "count")],
                  [[month_label(m), by_month.get(m, 0)] for m in months_between(period_start, period_end)],
                  total=["Total", total], chart="bar"),
            table("by_camera", "Reads by camera or unit",
                  [column("Camera / unit"), column("Kind"), column("Reads", "count"), column("Flagged", "count")],
                  camera_rows, total=["Total", "", total, flagged], chart="hbar",
                  empty="No camera collected reads in this period."),
        ],
    )


register_section(ReportSection(
    key="reads", title="Reads collected", kinds=frozenset({ReportKind.SEMIANNUAL}), order=10,
    aggregate=reads_aggregate, source_app="apps.reads",
    covers="Reads collected by month and by camera or unit.",
))
