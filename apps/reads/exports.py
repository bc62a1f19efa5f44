"""CSV export of search results (the export itself is a logged access: selectors.read_search_export). Formulas are
neutralized by the portal's one CSV writer (apps.common.csv, R-SHR-8), which the response uses."""

from __future__ import annotations

from django.utils import timezone

from apps.reads.archive import reads_archived_on_set

CSV_HEADER = ["read_id", "plate", "plate_as_read", "corrected", "region", "captured_at", "camera", "camera_kind",
              "latitude", "longitude", "confidence", "unit_out_of_service", "archived",
              # The camera agent's vehicle classification (issue #21), as stored: empty when unknown. At the end, so
              # a consumer reading columns by position keeps working.
              "vehicle_make", "vehicle_model", "vehicle_color", "vehicle_type", "vehicle_year_min", "vehicle_year_max"]


def _with_archived_on(reads, chunk: int = 1000):
    """The reads, each with ``archived_on`` set, looked up a thousand at a time (R-RET-1)."""
    batch = []
    for read in reads:
        batch.append(read)
        if len(batch) >= chunk:
            reads_archived_on_set(batch)
            yield from batch
            batch = []
    reads_archived_on_set(batch)
    yield from batch


def csv_rows(reads):
    for read in _with_archived_on(reads):
        yield [("" if v is None else v) for v in (
            read.pk, read.plate_current, read.plate_read, "yes" if read.is_corrected else "no", read.region,
            timezone.localtime(read.captured_at).isoformat(), read.camera.name, read.camera.kind, read.latitude,
            read.longitude, read.confidence, "yes" if read.flagged_out_of_service else "no",
            "yes" if read.archived_on else "no",
            read.vehicle_make, read.vehicle_model, read.vehicle_color, read.vehicle_body_type, read.vehicle_year_min,
            read.vehicle_year_max,
        )]
