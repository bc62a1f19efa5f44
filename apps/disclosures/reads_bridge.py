"""The one place where disclosures use the reads app's search (R-READ-4 patterns, bounded time, area).

A disclosure request is one reads search per plate pattern (or one area search without plates), built and validated
by ``apps.reads.selectors.read_search_build`` and run by the reads app's own matching query, so partial plates,
corrections (``plate_current``) and archive visibility mean exactly what they mean on the search page. Logging the
access is the caller's job (it knows the purpose: records review, or the release itself).
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import transaction

from apps.common.errors import ApplicationError
from apps.reads import selectors as read_selectors
from apps.reads.models import Read
from apps.reads.plates import plate_pattern_parse

TOO_MANY_READS = (
    "The request matches more than {limit:,} reads, more than one release may hold; ask the requester to narrow the "
    "plates, time range or area."
)


def disclosure_plate_patterns(plates: list[str]) -> list[str]:
    """Parse what the requester typed (full or partial plates, R-READ-4) with the reads app's parser."""
    return list(dict.fromkeys(plate_pattern_parse(plate).text for plate in plates if plate and plate.strip()))


def disclosure_read_searches(*, plates: list[str], time_from: datetime, time_to: datetime,
                             circle: tuple[float, float, float] | None = None, now: datetime | None = None):
    """One validated ``ReadSearch`` per plate pattern, or one area search. Raises the reads app's ApplicationError
    (pattern too vague, time range too long for a partial plate, area invalid…)."""
    if not plates:
        return [read_selectors.read_search_build(start=time_from, end=time_to, circle=circle, now=now)]
    return [read_selectors.read_search_build(plate=plate, start=time_from, end=time_to, circle=circle, now=now)
            for plate in plates]


def disclosure_request_searches(disclosure_request, *, now: datetime | None = None):
    circle = None
    if disclosure_request.has_area:
        circle = (disclosure_request.area_latitude, disclosure_request.area_longitude,
                  disclosure_request.area_radius_km)
    # A release covers what existed when the custodian signed (``now``), not reads captured afterwards.
    time_to = min(disclosure_request.time_to, now) if now else disclosure_request.time_to
    return disclosure_read_searches(plates=list(disclosure_request.plates), time_from=disclosure_request.time_from,
                                    time_to=time_to, circle=circle, now=now)


def max_release_reads() -> int:
    return settings.PORTAL["DISCLOSURE_MAX_RELEASE_READS"]


def disclosure_matching_read_rows(searches, *, limit: int | None = None) -> tuple[list[tuple[int, datetime]], bool]:
    """(id, capture time) of the reads matching any of ``searches`` (archived reads excluded: they are not released),
    newest first, and whether there were more than ``limit``. Runs inside the caller's transaction."""
    limit = limit or max_release_reads()
    seen: dict[int, datetime] = {}
    truncated = False
    with transaction.atomic():
        for search in searches:
            total, rows = read_selectors.read_matching_rows(search=search, include_archived=False, limit=limit + 1)
            truncated = truncated or total > limit
            for pk, captured_at in rows:
                seen.setdefault(pk, captured_at)
    rows = list(seen.items())
    if len(rows) > limit:
        truncated, rows = True, rows[:limit]
    return rows, truncated


def disclosure_matching_read_ids(searches, *, limit: int | None = None) -> tuple[list[int], bool]:
    """Ids of the reads matching any of ``searches``, newest first, and whether there were more than ``limit``."""
    rows, truncated = disclosure_matching_read_rows(searches, limit=limit)
    return [pk for pk, _ in rows], truncated


def disclosure_reads_in_order(rows: list[tuple[int, datetime]]) -> list[Read]:
    """The reads of ``rows`` ((id, capture time)), oldest first, each looked up in its own month (issue #19: by id
    alone every month's primary key was probed for every id of the release)."""
    reads: list[Read] = []
    for start in range(0, len(rows), 1000):
        reads.extend(read_selectors.reads_in_their_months(rows[start:start + 1000]).values())
    reads.sort(key=lambda read: (read.captured_at, read.pk))
    return reads


def disclosure_release_read_rows(searches) -> list[tuple[int, datetime]]:
    rows, truncated = disclosure_matching_read_rows(searches)
    if truncated:
        raise ApplicationError(TOO_MANY_READS.format(limit=max_release_reads()), code="too_many_reads")
    return rows


def search_data_elements(searches) -> list[dict]:
    return [search.data_elements() for search in searches]
