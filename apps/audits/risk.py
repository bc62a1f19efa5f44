"""Risk factors of a query, for risk-weighted audit samples (R-AUD-3a; R-PURP-2: audits over-sample plate-less
searches). Pure functions of the population's own rows, so a campaign's draw stays reproducible from its seed.

Factors:
- ``area_search``: a search or export without a plate (by area or camera) — R-PURP-2's protected-activity risk.
- ``repeated_plate``: one person looked up the same plate at least PORTAL["AUDIT_RISK_REPEAT_MIN"] times in the
  audited period (tracking one vehicle).
- ``misuse_flag``: a row behind a flag of the portal's nightly review of its own log (apps.misuse, R-AUD-3) — the
  campaign passes the flagged rows' chain positions, read at draw time and stored with each sample's factors.
- ``off_shift``: a query outside the person's shift. The portal has no duty roster, and shift sign-ons (R-OPS-1)
  record units, not the people who query; so a person's shift is, for now, their habitual one: the block of
  PORTAL["AUDIT_SHIFT_HOURS"] consecutive hours of the day (agency time) holding most of their queries in the
  audited period (earliest block on a tie). People with fewer than PORTAL["AUDIT_SHIFT_MIN_QUERIES"] queries have
  no habitual shift and are never flagged. When per-person shifts are recorded, ``habitual_shift`` is the one
  function to replace.

A query's weight is the product of its factors' weights (PORTAL["AUDIT_RISK_WEIGHTS"]; 1 without any factor). The
weights used are stored with the campaign, so a later change of the setting does not change a redraw.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.utils import timezone

AREA_SEARCH = "area_search"
REPEATED_PLATE = "repeated_plate"
OFF_SHIFT = "off_shift"
MISUSE_FLAG = "misuse_flag"
RISK_FACTORS = (AREA_SEARCH, REPEATED_PLATE, OFF_SHIFT, MISUSE_FLAG)
RISK_LABELS = {
    AREA_SEARCH: "Search without a plate (area, camera or vehicle)",
    REPEATED_PLATE: "Same plate looked up repeatedly by one person",
    OFF_SHIFT: "Outside the person's shift",
    MISUSE_FLAG: "Behind a misuse flag of the log review",
}
SEARCH_ACTIONS = frozenset({"reads.search", "reads.export"})


@dataclass(frozen=True)
class QueryFacts:
    """What the risk factors need of one access-log row."""

    access_log_id: int
    user_id: int
    occurred_at: datetime
    action: str
    data_elements: dict
    seq: int = 0


def plate_of(data_elements) -> str:
    if not isinstance(data_elements, dict):
        return ""
    return str(data_elements.get("plate_pattern") or data_elements.get("plate") or "").strip().upper()


def is_plateless_search(action: str, data_elements) -> bool:
    return action in SEARCH_ACTIONS and not plate_of(data_elements)


def habitual_shift(hours: Iterable[int], *, length: int, minimum: int) -> frozenset[int] | None:
    """The ``length`` consecutive hours of the day (wrapping midnight) holding most of these query hours; None
    with fewer than ``minimum`` queries (no pattern to speak of) or a shift of 24 hours or more."""
    counts = Counter(hours)
    if sum(counts.values()) < minimum or length >= 24:
        return None

    def block(start: int) -> list[int]:
        return [(start + offset) % 24 for offset in range(length)]

    best = max(range(24), key=lambda start: (sum(counts[h] for h in block(start)), -start))
    return frozenset(block(best))


def default_weights() -> dict[str, float]:
    configured = settings.PORTAL.get("AUDIT_RISK_WEIGHTS", {})
    return {factor: float(configured.get(factor, 1.0)) for factor in RISK_FACTORS}


def risk_assess(rows: Iterable[QueryFacts], *, weights: dict[str, float],
                flagged_seqs: frozenset[int] = frozenset()) -> dict[int, tuple[tuple[str, ...], float]]:
    """Each row's risk factors and weight: {access_log_id: (flags, weight)}. ``flagged_seqs``: rows behind misuse
    flags (apps.misuse.detection.flagged_seqs_between)."""
    rows = list(rows)
    repeat_min = settings.PORTAL["AUDIT_RISK_REPEAT_MIN"]
    tz = timezone.get_current_timezone()
    local_hour = {row.access_log_id: row.occurred_at.astimezone(tz).hour for row in rows}
    lookups = Counter((row.user_id, plate_of(row.data_elements)) for row in rows if plate_of(row.data_elements))
    hours_by_user: dict[int, list[int]] = {}
    for row in rows:
        hours_by_user.setdefault(row.user_id, []).append(local_hour[row.access_log_id])
    shifts = {user_id: habitual_shift(hours, length=settings.PORTAL["AUDIT_SHIFT_HOURS"],
                                      minimum=settings.PORTAL["AUDIT_SHIFT_MIN_QUERIES"])
              for user_id, hours in hours_by_user.items()}
    assessed = {}
    for row in rows:
        flags = []
        if is_plateless_search(row.action, row.data_elements):
            flags.append(AREA_SEARCH)
        plate = plate_of(row.data_elements)
        if plate and lookups[(row.user_id, plate)] >= repeat_min:
            flags.append(REPEATED_PLATE)
        shift = shifts[row.user_id]
        if shift is not None and local_hour[row.access_log_id] not in shift:
            flags.append(OFF_SHIFT)
        if row.seq and row.seq in flagged_seqs:
            flags.append(MISUSE_FLAG)
        weight = 1.0
        for flag in flags:
            weight *= weights.get(flag, 1.0)
        assessed[row.access_log_id] = (tuple(flags), max(weight, 1.0))
    return assessed
