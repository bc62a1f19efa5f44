"""CSV export of search results (the export itself is a logged access: selectors.read_search_export)."""

from __future__ import annotations

from django.utils import timezone

CSV_HEADER = ["read_id", "plate", "plate_as_read", "corrected", "region", "captured_at", "camera", "camera_kind",
              "latitude", "longitude", "confidence", "unit_out_of_service", "archived"]


def _cell(value) -> str:
    text = "" if value is None else str(value)
    # Spreadsheet formula injection: a cell starting with = + - @ is taken as text.
    return "'" + text if text[:1] in ("=", "+", "-", "@") and not _is_number(text) else text


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def csv_rows(reads):
    for read in reads:
        yield [_cell(v) for v in (
            read.pk, read.plate_current, read.plate_read, "yes" if read.is_corrected else "no", read.region,
            timezone.localtime(read.captured_at).isoformat(), read.camera.name, read.camera.kind, read.latitude,
            read.longitude, read.confidence, "yes" if read.flagged_out_of_service else "no",
            "yes" if read.archived_at else "no",
        )]
