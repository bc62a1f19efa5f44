"""Reads of read data: who may see which reads, the purpose-gated search, the detail of one read (R-READ-3).

Every function that returns read data takes the purpose and case number and writes the access log (R-AUD-1) —
inside the same transaction as the query, before anything is returned, with the structured data elements and the
result count. Archived reads (R-RET-1) are visible to system administrators only.

Search strategy (see docs/performance.md and /shared/docs/search-notes.md). Every search is bounded in time
(default ``READ_SEARCH_DEFAULT_DAYS``; at most ``READ_SEARCH_MAX_DAYS``, or ``READ_SEARCH_PARTIAL_MAX_DAYS`` for a
partial plate or a search without a plate). The matching ids are collected first in a MATERIALIZED CTE — through
the ``(plate_current, captured_at)`` btree for an exact plate, through the trigram GIN index (or the bounded time
range) for a partial one — and only that set is counted, sorted and paged. The planner therefore cannot choose the
"walk the time index backwards hoping for an early LIMIT" plan that falls off a cliff for rare patterns, and a
statement timeout turns any remaining surprise into a clear message instead of a hung page.
"""

from __future__ import annotations

import itertools
import math
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import OperationalError, connection, transaction
from django.db.models import QuerySet, prefetch_related_objects
from django.utils import timezone

from apps.accounts.roles import Role
from apps.audit.justification_rules import SEARCH_SUBJECT, justification_check
from apps.audit.models import AccessLog
from apps.audit.services import access_log_record, access_purpose_verify
from apps.common.errors import ApplicationError, PermissionDeniedError
from apps.reads.archive import read_unarchived_q, read_unarchived_sql, reads_archived_on_set
from apps.reads.hooks import alternate_texts_sources
from apps.reads.models import Camera, Read, ReadCorrection, ReadKey
from apps.reads.plates import PlatePattern, plate_pattern_parse

SEARCH_NOT_ALLOWED = "You may not search reads."
SEARCH_NEEDS_CRITERION = "Give a plate (full or partial), a camera, an area or vehicle attributes to search."
VEHICLE_YEAR_INVALID = "The vehicle year must be from 1900 to 2100."
VEHICLE_DIRECTION_INVALID = "The direction of travel must be one of N, NE, E, SE, S, SW, W, NW."
# The vehicle attributes a search may filter on (issue #21), as the read's fields they compare with.
VEHICLE_FILTERS = ("color", "make", "model", "body_type", "year", "direction")
TIME_RANGE_INVALID = "The end of the time range must be after its start."
TIME_RANGE_TOO_LONG = "A {kind} search may cover at most {days} days; narrow the time range."
TIME_RANGE_IN_FUTURE = "The time range starts in the future."
AREA_INVALID = "The area must be a bounding box (south ≤ north, west ≤ east) or a centre with a radius of 0.01–200 km."
SEARCH_TIMED_OUT = "The search took too long and was stopped; narrow the time range, the plate pattern or the area."
EXPORT_TOO_LARGE = "The export is limited to {limit} reads; this search matched {count}. Narrow it first."
# A page number is client input: past this the offset no longer fits PostgreSQL's bigint (a 500, not an answer).
READ_SEARCH_PAGE_MAX = 100_000
PAGE_OUT_OF_RANGE = f"The page number must be from 1 to {READ_SEARCH_PAGE_MAX:,}; narrow the search instead."

SEARCH_STATEMENT_TIMEOUT_MS = 15000
KM_PER_DEGREE = 111.195


def read_is_admin(user) -> bool:
    return user.has_role(Role.SYSADMIN)


def read_list_visible_to(*, user) -> QuerySet[Read]:
    """The reads a person may see: none without ``reads.query_reads``; archived ones only for administrators."""
    reads = Read.objects.select_related("camera")
    if not user.is_authenticated or not user.has_perm("reads.query_reads"):
        return reads.none()
    if read_is_admin(user):
        return reads
    return reads.filter(read_unarchived_q())  # R-RET-1


def camera_list_for_search() -> QuerySet[Camera]:
    return Camera.objects.only("id", "name", "kind").order_by("name")


@dataclass(frozen=True)
class ReadSearch:
    """A validated search: plate pattern (or none), a bounded time range, cameras and an area."""

    plate: PlatePattern | None
    start: datetime
    end: datetime
    camera_ids: tuple[int, ...] = ()
    bbox: tuple[float, float, float, float] | None = None  # south, west, north, east
    circle: tuple[float, float, float] | None = None  # latitude, longitude, radius km
    tolerant: bool = False  # misread-tolerant: also OCR confusions, OCR alternates, plates before a correction
    vehicle: tuple[tuple[str, Any], ...] = ()  # (attribute, value) of VEHICLE_FILTERS, in that order

    def data_elements(self) -> dict[str, Any]:
        """What the access log records as the data queried (R-AUD-1)."""
        area: dict[str, Any] | None = None
        if self.bbox:
            area = {"bbox": {"south": self.bbox[0], "west": self.bbox[1], "north": self.bbox[2], "east": self.bbox[3]}}
        elif self.circle:
            area = {"center": {"latitude": self.circle[0], "longitude": self.circle[1]}, "radius_km": self.circle[2]}
        elements = {
            "plate_pattern": self.plate.text if self.plate else None,
            "plate_match": None if self.plate is None else ("exact" if self.plate.is_exact else "partial"),
            "time_from": self.start.isoformat(),
            "time_to": self.end.isoformat(),
            "cameras": list(self.camera_ids),
            "area": area,
        }
        if self.tolerant and self.plate is not None:
            elements["misread_tolerant"] = True
        if self.vehicle:
            elements["vehicle"] = dict(self.vehicle)
        return elements


def read_search_build(
    *, plate: str = "", start: datetime | None = None, end: datetime | None = None, camera_ids=(),
    bbox: tuple[float, float, float, float] | None = None, circle: tuple[float, float, float] | None = None,
    now: datetime | None = None, tolerant: bool = False, vehicle: dict | None = None,
) -> ReadSearch:
    """Validate search criteria (R-READ-4 patterns, a bounded time window, a sane area); raise ApplicationError.
    ``tolerant`` (with a plate): also match the usual OCR confusions (see ``PLATE_CONFUSIONS``), OCR alternates and
    the plates reads carried before a correction. ``vehicle``: attributes of VEHICLE_FILTERS (words compared
    lower-case, ``year`` within the read's year range, ``direction`` a compass point); without a plate such a search
    is plate-less (R-PURP-2) and bounded in time like a partial-plate search."""
    now = now or timezone.now()
    attributes = _vehicle_filters(vehicle or {})
    pattern = plate_pattern_parse(plate) if plate and plate.strip() else None
    end = end or now
    start = start or end - timedelta(days=settings.PORTAL["READ_SEARCH_DEFAULT_DAYS"])
    if end <= start:
        raise ApplicationError(TIME_RANGE_INVALID, code="time_range_invalid")
    if start > now:
        raise ApplicationError(TIME_RANGE_IN_FUTURE, code="time_range_in_future")
    if pattern is not None and pattern.is_exact:
        kind, max_days = "plate", settings.PORTAL["READ_SEARCH_MAX_DAYS"]
    else:
        kind = "partial-plate" if pattern is not None else "camera, area or vehicle"
        max_days = settings.PORTAL["READ_SEARCH_PARTIAL_MAX_DAYS"]
    if end - start > timedelta(days=max_days):
        raise ApplicationError(TIME_RANGE_TOO_LONG.format(kind=kind, days=max_days), code="time_range_too_long")
    if bbox is not None:
        south, west, north, east = bbox
        if not (-90 <= south <= north <= 90 and -180 <= west <= east <= 180):
            raise ApplicationError(AREA_INVALID, code="area_invalid")
    if circle is not None:
        lat, lon, radius = circle
        if not (-90 <= lat <= 90 and -180 <= lon <= 180 and 0.01 <= radius <= 200):
            raise ApplicationError(AREA_INVALID, code="area_invalid")
    if pattern is None and not camera_ids and bbox is None and circle is None and not attributes:
        raise ApplicationError(SEARCH_NEEDS_CRITERION, code="search_needs_criterion")
    return ReadSearch(plate=pattern, start=start, end=end, camera_ids=tuple(sorted({int(c) for c in camera_ids})),
                      bbox=bbox, circle=circle, tolerant=bool(tolerant and pattern is not None), vehicle=attributes)


def _vehicle_filters(vehicle: dict) -> tuple[tuple[str, Any], ...]:
    found = []
    for name in VEHICLE_FILTERS:
        value = vehicle.get(name)
        if value is None or value == "":
            continue
        if name == "year":
            if isinstance(value, bool) or not isinstance(value, int) or not 1900 <= value <= 2100:
                raise ApplicationError(VEHICLE_YEAR_INVALID, code="vehicle_year_invalid")
        elif name == "direction":
            value = str(value).strip().upper()
            if value not in ("N", "NE", "E", "SE", "S", "SW", "W", "NW"):
                raise ApplicationError(VEHICLE_DIRECTION_INVALID, code="vehicle_direction_invalid")
        else:
            value = str(value).strip().lower()
            if not value:
                continue
        found.append((name, value))
    return tuple(found)


def plate_less_elements(*, search: ReadSearch, justification: str = "", attested: bool = False) -> dict[str, Any]:
    """R-PURP-2: a search without a plate (by area, camera or vehicle attributes) needs a written justification and
    the attestation; both go into the access-log row's data elements (``plate_less``, ``justification``,
    ``protected_activity_attested``), where the supervisors' review queue and the audit sampler find them. Raises
    ApplicationError (``justification_required``, ``attestation_required``) before anything is queried. {} for a
    plate search."""
    if search.plate is not None:
        return {}
    text = justification_check(justification=justification, attested=attested, subject=SEARCH_SUBJECT)
    return {"plate_less": True, "justification": text, "protected_activity_attested": True}


def _require_query_permission(user) -> None:
    if not user.is_authenticated or not user.has_perm("reads.query_reads"):
        raise PermissionDeniedError(SEARCH_NOT_ALLOWED, code="search_not_allowed")
    from apps.accounts.selectors import BACKGROUND_CHECK_MISSING, background_check_missing_for

    if background_check_missing_for(user=user):  # R-ACC-6, checked again wherever read data is queried
        raise PermissionDeniedError(BACKGROUND_CHECK_MISSING, code="background_check_missing")


def _where(search: ReadSearch, *, include_archived: bool, months: list | None = None) -> tuple[str, list[Any]]:
    """``months``: the plate's months (``_plate_months``) when the caller already looked them up."""
    ops = connection.ops
    clauses = ["r.captured_at >= %s", "r.captured_at < %s"]
    params: list[Any] = [ops.adapt_datetimefield_value(search.start), ops.adapt_datetimefield_value(search.end)]
    if search.plate is not None and search.tolerant:
        clause, values = _tolerant_clause(search.plate, "r.plate_current")
        # Also the other texts a read was known by: the OCR alternates of an uploaded photo, and the plate it carried
        # before a correction (R-READ-2: an investigator may hold the camera's original reading, e.g. from a hit).
        # ANY(ARRAY(subquery)) is evaluated once, so PostgreSQL can OR it with the plate index (a bitmap OR); the
        # table names come from the models, every value is a parameter.
        membership = "= ANY(ARRAY(" if connection.vendor == "postgresql" else "IN ("
        closing = "))" if connection.vendor == "postgresql" else ")"
        other_texts = [*((source.table(), source.column) for source in alternate_texts_sources()),
                       (connection.ops.quote_name(ReadCorrection._meta.db_table), "previous_plate")]
        parts = [clause]
        params.extend(values)
        for table, column in other_texts:
            other_clause, other_values = _tolerant_clause(search.plate, f"o.{column}")
            parts.append(f"r.id {membership}SELECT o.read_id FROM {table} o WHERE {other_clause}{closing}")  # noqa: S608
            params.extend(other_values)
        clauses.append("(" + " OR ".join(parts) + ")")
    elif search.plate is not None:
        if search.plate.is_exact:
            clauses.append("r.plate_current = %s")
            params.append(search.plate.text)
            if connection.vendor == "postgresql":
                clause, values = _plate_months_clause(_plate_months(search) if months is None else months)
                clauses.append(clause)
                params.extend(values)
        elif connection.vendor == "postgresql" and _anchored_at_end(search.plate):
            # More known characters at the end than at the start (``*123``, ``7A??123``): matched from the end through
            # the read_plate_reverse btree, which then walks only the plates ending in ``123`` instead of all those
            # starting with ``7A``. Plates and patterns hold no LIKE metacharacter of their own, so the reversed
            # pattern means exactly the same (``%123`` ⇔ reversed ``321%``).
            clauses.append("reverse(r.plate_current) LIKE %s ESCAPE '\\'")
            params.append(PlatePattern(search.plate.text[::-1]).like())
        else:
            clauses.append("r.plate_current LIKE %s ESCAPE '\\'")
            params.append(search.plate.like())
    for name, value in search.vehicle:
        if name == "year":  # the read's year range holds the year (a read with one bound: that bound)
            clauses.append("coalesce(r.vehicle_year_min, r.vehicle_year_max) <= %s"
                           " AND coalesce(r.vehicle_year_max, r.vehicle_year_min) >= %s")
            params.extend([value, value])
        else:
            column = "direction" if name == "direction" else f"vehicle_{name}"
            clauses.append(f"r.{column} = %s")
            params.append(value)
    if search.camera_ids:
        clauses.append(f"r.camera_id IN ({', '.join(['%s'] * len(search.camera_ids))})")
        params.extend(search.camera_ids)
    if search.bbox is not None:
        clauses.append("r.latitude BETWEEN %s AND %s AND r.longitude BETWEEN %s AND %s")
        south, west, north, east = search.bbox
        params.extend([south, north, west, east])
    if search.circle is not None:
        lat, lon, radius = search.circle
        lat_span = radius / KM_PER_DEGREE
        lon_factor = KM_PER_DEGREE * max(math.cos(math.radians(lat)), 0.01)
        # A box first (cheap), then the equirectangular distance: exact enough for a search radius.
        clauses.append("r.latitude BETWEEN %s AND %s AND r.longitude BETWEEN %s AND %s")
        params.extend([lat - lat_span, lat + lat_span, lon - radius / lon_factor, lon + radius / lon_factor])
        clauses.append("((r.latitude - %s) * %s) * ((r.latitude - %s) * %s)"
                       " + ((r.longitude - %s) * %s) * ((r.longitude - %s) * %s) <= %s")
        params.extend([lat, KM_PER_DEGREE, lat, KM_PER_DEGREE, lon, lon_factor, lon, lon_factor, radius * radius])
    if not include_archived:
        clauses.append(read_unarchived_sql("r"))  # R-RET-1: archived reads for administrators only
    return " AND ".join(clauses), params


def _anchored_at_end(pattern: PlatePattern) -> bool:
    """Whether a btree finds ``pattern``'s plates faster from their end: the known characters before its first
    wildcard are fewer than those after its last one. Each known character narrows the plates a range scan walks
    about tenfold or more; on a tie the forward index (``read_plate_time``) is kept."""
    def known_before_wildcard(text: str) -> int:
        return next((i for i, ch in enumerate(text) if ch in "?*"), len(text))

    return known_before_wildcard(pattern.text[::-1]) > known_before_wildcard(pattern.text)


# The months of the window that hold the plate (one row per plate: its months as year * 12 + month - 1, migration
# reads.0017), as the first day of each; the same statement sets the search's statement timeout, so an exact search
# pays no extra round trip for it.
_PLATE_MONTHS_SQL = (
    "SELECT set_config('statement_timeout', %s, true), "
    "ARRAY(SELECT make_date(m / 12, m %% 12 + 1, 1) FROM reads_readplatemonths s CROSS JOIN LATERAL unnest(s.months) m "
    "WHERE s.plate = %s AND m >= %s AND m <= %s ORDER BY m)"
)


def _uses_plate_months(search: ReadSearch) -> bool:
    return (connection.vendor == "postgresql" and search.plate is not None and search.plate.is_exact
            and not search.tolerant)


def _plate_months(search: ReadSearch) -> list:
    """PostgreSQL, exact plate: the UTC capture months of the window that hold the plate (``ReadPlateMonths``, kept
    by triggers), as dates (the first of each month). Also (re)sets the search's statement timeout for the rest of the
    transaction."""
    from apps.reads.models import month_number
    from apps.reads.partitions import month_start

    with connection.cursor() as cursor:
        cursor.execute(_PLATE_MONTHS_SQL, [str(int(SEARCH_STATEMENT_TIMEOUT_MS)), search.plate.text,
                                           month_number(month_start(search.start)),
                                           month_number(month_start(search.end))])
        return cursor.fetchone()[1] or []


def _plate_months_clause(months: list) -> tuple[str, list[Any]]:
    """The plate's months as a condition on ``captured_at``. With reads partitioned by month the planner then prunes
    to those months' partitions: a plate read in 3 of the 37 months of a 1,100-day window costs 3 index probes and
    the planning of 3 partitions, not 37 (issue #19). The summary may hold a month with no matching read any more
    (never fewer): the plate condition itself still decides. No month: nothing can match (``false``)."""
    from apps.reads.partitions import month_add

    ranges: list[list[datetime]] = []
    for month in months:
        lower = datetime(month.year, month.month, 1, tzinfo=UTC)
        if ranges and ranges[-1][1] == lower:
            ranges[-1][1] = month_add(lower, 1)  # consecutive months: one range
        else:
            ranges.append([lower, month_add(lower, 1)])
    if not ranges:
        return "false", []
    ops = connection.ops
    clause = " OR ".join(["(r.captured_at >= %s AND r.captured_at < %s)"] * len(ranges))
    return f"({clause})", [ops.adapt_datetimefield_value(bound) for pair in ranges for bound in pair]


# Misread-tolerant search (issue #4): characters OCR commonly confuses on plates. A tolerant search matches any of
# a group's characters wherever the plate has one of them, and also the alternates OCR proposed for uploaded photos.
PLATE_CONFUSIONS = ("O0", "I1", "B8", "S5", "Z2", "G6")
_CONFUSABLE = {char: group for group in PLATE_CONFUSIONS for char in group}
TOLERANT_MAX_VARIANTS = 1024


def plate_confusion_regex(pattern: PlatePattern, *, capture: bool = False) -> str:
    """An anchored regex of the pattern with each confusable character widened to its group (``B`` → ``[B8]``);
    ``?`` is one character, ``*`` any run. Plates and patterns are ``[A-Z0-9?*]`` only, so nothing needs escaping."""
    parts = []
    for char in pattern.text:
        if char == "?":
            parts.append(".")
        elif char == "*":
            parts.append(".*")
        elif char in _CONFUSABLE:
            group = f"[{_CONFUSABLE[char]}]"
            parts.append(f"({group})" if capture else group)
        else:
            parts.append(char)
    return "^" + "".join(parts) + "$"


def plate_confusion_variants(plate: str) -> list[str] | None:
    """Every plate an exact plate may have been misread as (itself included); None if there are too many."""
    groups = [_CONFUSABLE.get(char, char) for char in plate]
    if math.prod(len(group) for group in groups) > TOLERANT_MAX_VARIANTS:
        return None
    return ["".join(chars) for chars in itertools.product(*groups)]


def _tolerant_clause(pattern: PlatePattern, column: str) -> tuple[str, list[Any]]:
    variants = plate_confusion_variants(pattern.text) if pattern.is_exact else None
    if variants is not None:  # exact plate: an IN list the plate index answers directly
        return f"{column} IN ({', '.join(['%s'] * len(variants))})", list(variants)
    operator = "~" if connection.vendor == "postgresql" else "REGEXP"
    return f"{column} {operator} %s", [plate_confusion_regex(pattern)]


def read_match_notes(*, search: ReadSearch, reads: list[Read]) -> dict[int, str]:
    """For a tolerant search: why each read matched, when it is not a plain match — "matched allowing B↔8",
    "matched an alternate (7A8C123)", "matched its reading before a correction (7A8C123)" — so people see which
    results rest on a possible misread."""
    if not search.tolerant or search.plate is None or not reads:
        return {}
    strict = search.plate.regex()
    widened = re.compile(plate_confusion_regex(search.plate, capture=True))
    wanted = [char for char in search.plate.text if char in _CONFUSABLE]

    def allowing(text: str) -> list[str] | None:
        match = widened.match(text)
        if match is None:
            return None
        return sorted({f"{want}↔{got}" for want, got in zip(wanted, match.groups(), strict=True) if want != got})

    # the other texts each read was known by, in the order they are tried: the registered sources' (OCR alternates,
    # camera candidates: apps.reads.hooks), then earlier plates
    read_ids = [read.pk for read in reads]
    sources = [note for source in alternate_texts_sources() for note in source.notes(read_ids)]
    earlier = (ReadCorrection.objects.filter(read_id__in=read_ids)
               .order_by("read_id", "corrected_at", "id").values_list("read_id", "previous_plate"))
    sources.append(("matched its reading before a correction ({text})", earlier))
    other_texts: dict[int, list[tuple[str, str]]] = {}
    for note, rows in sources:
        for read_id, text in rows:
            other_texts.setdefault(read_id, []).append((note, text))
    notes: dict[int, str] = {}
    for read in reads:
        if strict.match(read.plate_current):
            continue
        swaps = allowing(read.plate_current)
        if swaps is not None:
            notes[read.pk] = f"matched allowing {', '.join(swaps)}"
            continue
        for note, text in other_texts.get(read.pk, []):
            swaps = allowing(text)
            if swaps is not None:
                notes[read.pk] = note.format(text=text) + (f" allowing {', '.join(swaps)}" if swaps else "")
                break
    return notes


def _matching_rows(search: ReadSearch, *, include_archived: bool, limit: int,
                   offset: int) -> tuple[int, list[tuple[int, Any]]]:
    """(total matches, (id, captured_at) of one page in newest-first order). Runs inside the caller's transaction.
    The capture times let the page's reads be loaded from their own partitions only (``_reads_in_order``)."""
    months = None
    if _uses_plate_months(search):
        months = _plate_months(search)  # sets the statement timeout too
        if not months:  # the plate was not read in the window: nothing to plan or count
            return 0, []
    where, params = _where(search, include_archived=include_archived, months=months)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            if months is None:
                cursor.execute(f"SET LOCAL statement_timeout = {int(SEARCH_STATEMENT_TIMEOUT_MS)}")
            # {where} is built from fixed clauses only; every value is a parameter.
            sql = (
                f"WITH m AS MATERIALIZED (SELECT r.id, r.captured_at FROM reads_read r WHERE {where}), "  # noqa: S608
                "c AS (SELECT count(*) AS n FROM m) "
                "SELECT c.n, p.id, p.captured_at FROM c LEFT JOIN LATERAL ("
                "SELECT m.id, m.captured_at FROM m ORDER BY m.captured_at DESC, m.id DESC LIMIT %s OFFSET %s) p ON true"
            )
            cursor.execute(sql, [*params, limit, offset])
            rows = cursor.fetchall()
            total = rows[0][0] if rows else 0
            return total, [(row[1], row[2]) for row in rows if row[1] is not None]
        cursor.execute(f"SELECT count(*) FROM reads_read r WHERE {where}", params)  # noqa: S608 - as above
        total = cursor.fetchone()[0]
        cursor.execute(f"SELECT r.id FROM reads_read r WHERE {where} ORDER BY r.captured_at DESC, r.id DESC "  # noqa: S608
                       "LIMIT %s OFFSET %s", [*params, limit, offset])
        return total, [(row[0], None) for row in cursor.fetchall()]


def _matching_ids(search: ReadSearch, *, include_archived: bool, limit: int, offset: int) -> tuple[int, list[int]]:
    """(total matches, ids of one page in newest-first order). Runs inside the caller's transaction."""
    total, rows = _matching_rows(search, include_archived=include_archived, limit=limit, offset=offset)
    return total, [pk for pk, _ in rows]


def read_search_where(*, search: ReadSearch, include_archived: bool) -> tuple[str, list[Any]]:
    """The SQL condition over ``reads_read r`` and its parameters for ``search``, on its own (no permission check,
    no access log): for EXPLAIN in ``bench_search`` and the index tests."""
    return _where(search, include_archived=include_archived)


def read_matching_ids(
    *, search: ReadSearch, include_archived: bool, limit: int, offset: int = 0
) -> tuple[int, list[int]]:
    """The bounded, cliff-free matching query on its own (no permission check, no access log): for other
    capabilities (holds, disclosures) that check and log themselves. Call it inside ``transaction.atomic``."""
    return _matching_ids(search, include_archived=include_archived, limit=limit, offset=offset)


def read_matching_rows(
    *, search: ReadSearch, include_archived: bool, limit: int, offset: int = 0
) -> tuple[int, list[tuple[int, Any]]]:
    """As ``read_matching_ids``, with each read's capture time beside its id, for ``reads_in_their_months``."""
    return _matching_rows(search, include_archived=include_archived, limit=limit, offset=offset)


def _reads_in_order(rows: list[tuple[int, Any]], *, plate: str | None = None) -> list[Read]:
    """The reads of ``rows`` ((id, captured_at) from ``_matching_rows``) in that order.

    On PostgreSQL each read is looked up in its own month only. Reads are partitioned by month, and a lookup of all the
    page's ids in all the page's months probes the primary key ``(id, captured_at)`` for every id in every month
    (PostgreSQL 15 takes only the ids as its index condition): a page of 50 reads over 4 months read 200 key pages,
    150 of them for ids that are not in that month, and at 100M reads those pages are not in memory (issue #19). So:

    - ``plate`` (an exact search: the plate the rows matched): through ``read_plate_time``, whose pages the matching
      statement has just read, so only the reads' own pages are new. A read whose plate was corrected between the two
      statements is then looked up by id, so the page still shows it.
    - otherwise: one ``UNION ALL`` arm per month, each with that month's ids and capture times only (one partition
      planned and probed per arm); the cameras in one more statement.
    """
    ids = [pk for pk, _ in rows]
    reads = Read.objects.select_related("camera")
    if connection.vendor != "postgresql" or not rows or any(at is None for _, at in rows):
        by_id = reads.in_bulk(ids)
    elif plate:
        reads = reads.filter(captured_at__in=sorted({at for _, at in rows}))
        by_id = reads.filter(plate_current=plate).in_bulk(ids)
        if len(by_id) < len(set(ids)):
            by_id.update(reads.in_bulk([pk for pk in ids if pk not in by_id]))
    else:
        months: dict[tuple[int, int], tuple[set[int], set[datetime]]] = {}
        for pk, at in rows:
            at_utc = at.astimezone(UTC)  # partitions are UTC calendar months
            month_ids, month_times = months.setdefault((at_utc.year, at_utc.month), (set(), set()))
            month_ids.add(pk)
            month_times.add(at)
        arms = [Read.objects.filter(id__in=sorted(month_ids), captured_at__in=sorted(month_times))
                for month_ids, month_times in months.values()]
        found = list(arms[0].union(*arms[1:], all=True) if len(arms) > 1 else arms[0])
        prefetch_related_objects(found, "camera")
        by_id = {read.pk: read for read in found}
    return [by_id[pk] for pk in ids if pk in by_id]


def reads_in_their_months(rows: list[tuple[int, datetime]]) -> dict[int, Read]:
    """The reads of ``(id, captured_at)`` pairs, by id, each looked up in its own month only (``_reads_in_order``),
    with their cameras; an id that is not there (purged) is absent. For callers that keep a read's capture time beside
    its id (an evidence hold's reads): by id alone every month's primary key would be probed for every id."""
    return {read.pk: read for read in _reads_in_order(rows)}


@dataclass
class ReadSearchPage:
    reads: list[Read]
    total: int
    page: int
    page_size: int
    search: ReadSearch
    access_log: AccessLog
    include_archived: bool = False
    extra: dict = field(default_factory=dict)
    match_notes: dict[int, str] = field(default_factory=dict)  # tolerant searches: why a read matched

    @property
    def num_pages(self) -> int:
        return max(1, math.ceil(self.total / self.page_size))

    @property
    def has_next(self) -> bool:
        return self.page < self.num_pages

    @property
    def has_previous(self) -> bool:
        return self.page > 1


def read_search(
    *, user, search: ReadSearch, purpose: str, case_number: str, page: int = 1, page_size: int = 50, request=None,
    endpoint: str = "", justification: str = "", attested: bool = False,
) -> ReadSearchPage:
    """Run a search for ``user`` (R-READ-3, R-READ-4): refuse without permission, purpose or case number; write the
    access-log row (data elements, result count) in the query's transaction, before returning one page.

    Raises PermissionDeniedError, ApplicationError (purpose/case missing or not authorized, search timed out).
    """
    _require_query_permission(user)
    verdict = access_purpose_verify(purpose=purpose, case_number=case_number, user=user)  # verified once (R-READ-3)
    purpose, case_number = verdict.purpose, verdict.case_number
    justified = plate_less_elements(search=search, justification=justification, attested=attested)
    page, page_size = max(1, int(page)), max(1, min(int(page_size), 500))
    if page > READ_SEARCH_PAGE_MAX:
        raise ApplicationError(PAGE_OUT_OF_RANGE, code="page_out_of_range")
    include_archived = read_is_admin(user)
    try:
        with transaction.atomic():
            total, rows = _matching_rows(search, include_archived=include_archived, limit=page_size,
                                         offset=(page - 1) * page_size)
            log = access_log_record(
                user=user, action="reads.search",
                data_elements={**search.data_elements(), "page": page, "include_archived": include_archived,
                               **justified},
                purpose=purpose, case_number=case_number, result_count=total, request=request, endpoint=endpoint,
                verdict=verdict,
            )
    except OperationalError as exc:
        if "statement timeout" in str(exc) or "canceling statement" in str(exc):
            raise ApplicationError(SEARCH_TIMED_OUT, code="search_timed_out") from exc
        raise
    # The page is loaded after the log row is committed (R-AUD-1). Loading it inside the matching statement (LATERAL
    # probes by id and capture time) saved a round trip but cost more to plan than it saved on a quiet machine
    # (issue #19, measured 2026-12-06: docs/scaling.md), so it stays a separate pruned statement.
    reads = _reads_in_order(rows, plate=search.plate.text if _uses_plate_months(search) else None)
    if include_archived:  # the page marks archived reads for the administrator (R-RET-1): two queries for the page
        reads_archived_on_set(reads)
    else:  # the matching statement let no archived read through
        for read in reads:
            read.__dict__["_archived_on"] = None
    notes = read_match_notes(search=search, reads=reads)
    for read in reads:
        read.match_note = notes.get(read.pk, "")  # shown beside the plate by the search page
    return ReadSearchPage(reads=reads, total=total, page=page, page_size=page_size, search=search,
                          access_log=log, include_archived=include_archived, match_notes=notes)


def read_search_export(
    *, user, search: ReadSearch, purpose: str, case_number: str, request=None, endpoint: str = "",
    recipient: dict | None = None, justification: str = "", attested: bool = False,
) -> tuple[list[Read], AccessLog]:
    """Every match of a search, for a CSV export (at most ``READ_EXPORT_MAX_ROWS``). The export is its own logged
    access (action ``reads.export``, R-AUD-1), written before the rows are returned, naming its recipient
    (``recipient``: data elements of apps.disclosures.egress.ExportRecipient, R-SHR-8)."""
    _require_query_permission(user)
    verdict = access_purpose_verify(purpose=purpose, case_number=case_number, user=user)  # verified once (R-READ-3)
    purpose, case_number = verdict.purpose, verdict.case_number
    justified = plate_less_elements(search=search, justification=justification, attested=attested)
    limit = settings.PORTAL["READ_EXPORT_MAX_ROWS"]
    include_archived = read_is_admin(user)
    try:
        with transaction.atomic():
            total, rows = _matching_rows(search, include_archived=include_archived, limit=limit, offset=0)
            if total > limit:
                raise ApplicationError(EXPORT_TOO_LARGE.format(limit=limit, count=total), code="export_too_large")
            log = access_log_record(
                user=user, action="reads.export",
                data_elements={**search.data_elements(), "format": "csv", "include_archived": include_archived,
                               **(recipient or {}), **justified},
                purpose=purpose, case_number=case_number, result_count=total, request=request, endpoint=endpoint,
                verdict=verdict,
            )
    except OperationalError as exc:
        if "statement timeout" in str(exc) or "canceling statement" in str(exc):
            raise ApplicationError(SEARCH_TIMED_OUT, code="search_timed_out") from exc
        raise
    reads: list[Read] = []
    for start in range(0, len(rows), 1000):
        reads.extend(_reads_in_order(rows[start:start + 1000],
                                     plate=search.plate.text if _uses_plate_months(search) else None))
    return reads, log


def read_detail_for(*, user, read_id: int, purpose: str, case_number: str, request=None, endpoint: str = "") -> Read:
    """One read with its images and correction history. Viewing it is a logged access (``reads.view``) carrying the
    purpose and case number of the search it came from. A read the person may not see is Read.DoesNotExist."""
    _require_query_permission(user)
    visible = read_list_visible_to(user=user)
    if not visible.filter(pk=read_id).exists():  # a hidden read is a 404 before the purpose is asked for
        raise Read.DoesNotExist
    verdict = access_purpose_verify(purpose=purpose, case_number=case_number, user=user)  # verified once (R-READ-3)
    purpose, case_number = verdict.purpose, verdict.case_number
    with transaction.atomic():
        read = visible.prefetch_related("corrections__corrected_by").get(pk=read_id)
        access_log_record(
            user=user, action="reads.view",
            data_elements={"read_id": read.pk, "plate": read.plate_current, "camera": read.camera_id,
                           "captured_at": read.captured_at.isoformat()},
            purpose=purpose, case_number=case_number, result_count=1, request=request, endpoint=endpoint,
            verdict=verdict,
        )
    return read


def read_viewers(*, user, read: Read) -> QuerySet[AccessLog]:
    """Who has viewed this read (from the access log); administrators only, otherwise nothing."""
    if not read_is_admin(user):
        return AccessLog.objects.none()
    return AccessLog.objects.filter(action="reads.view", data_elements__read_id=read.pk).order_by("-seq")


def read_for_image(*, user, read_id: int) -> Read:
    """The read whose image a signed link names, if this person may still see it (Read.DoesNotExist otherwise)."""
    return read_list_visible_to(user=user).get(pk=read_id)


def camera_list_visible_to(*, user):
    """Units a person may see on the cameras page: administrators and supervisors all (``view_camera``);
    operators the units assigned to them (to report them damaged)."""
    cameras = Camera.objects.select_related("agency", "assigned_officer").order_by("name")
    if not user.is_authenticated:
        return cameras.none()
    if user.has_perm("reads.view_camera"):
        return cameras
    if user.has_perm("reads.add_camerastatusreport"):
        return cameras.filter(assigned_officer=user)
    return cameras.none()


def camera_not_reporting(*, camera: Camera, now: datetime) -> bool:
    """For the cameras pages: marked not reporting by the heartbeat check, or a fixed camera in service whose agent
    sends heartbeats and has been silent past ``CAMERA_HEARTBEAT_SILENCE_MINUTES`` already (before the next check)."""
    from apps.reads.choices import CameraKind

    if camera.not_reporting_since is not None:
        return True
    return camera.kind == CameraKind.FIXED and camera.in_service and camera.heartbeat_silent(now)


def read_keys_locate(*, camera_id: int, keys: list[str]) -> dict[str, tuple[int, datetime]]:
    """Where the reads ``camera_id`` stored under ``keys`` (``source_read_id``) are: {key: (read id, capture time)},
    for the keys it has. Not governed data (ids only): for the services that resolve a camera's own keys.

    PostgreSQL: one probe per key of ``reads_readkey``'s primary key (issue #19). Reads are partitioned by capture
    month and no index of theirs starts with the key any more (migration 0015), so filtering ``reads_read`` by
    ``source_read_id`` would read every month of the camera. SQLite: the plain table's ``read_unique_per_camera``."""
    keys = list(dict.fromkeys(keys))
    if not keys:
        return {}
    if connection.vendor == "postgresql":
        rows = ReadKey.objects.filter(camera_id=camera_id, source_read_id__in=keys).values_list(
            "source_read_id", "read_id", "captured_at")
    else:
        rows = Read.objects.filter(camera_id=camera_id, source_read_id__in=keys).values_list(
            "source_read_id", "id", "captured_at")
    return {key: (read_id, captured_at) for key, read_id, captured_at in rows}


def reads_by_keys(*, camera_id: int, keys: list[str], fields: tuple[str, ...] = ()) -> list[Read]:
    """The reads ``camera_id`` stored under ``keys``, oldest id first (``fields``: load only these, as ``only()``).
    Two queries on PostgreSQL: the keys resolved to (id, capture time) through ``read_keys_locate``, then the reads
    loaded by both, so only the partitions of their months are read (pruned when the query is planned)."""
    located = read_keys_locate(camera_id=camera_id, keys=keys)
    if not located:
        return []
    ids = sorted({read_id for read_id, _ in located.values()})
    reads = Read.objects.filter(pk__in=ids, camera_id=camera_id)
    if connection.vendor == "postgresql":
        reads = reads.filter(captured_at__in=sorted({moment for _, moment in located.values()}))
    if fields:
        reads = reads.only(*fields)
    return list(reads.order_by("id"))
