"""In-memory matching of reads against hot-list versions (R-HOT-3), built for ingest speed.

A version's contents never change (``apps.hotlists.models``: every addition, removal or import is a new version), so
what matching needs of a version is loaded once per process, keyed by the version id, and kept while the list is at
that version (no cross-process invalidation needed: every batch asks the database which version each usable list is
at, and a new version id is simply a cache miss; a version no longer in use is dropped).

* Exact entries: the version's exact plates are kept as one ``frozenset`` of strings (a filter, nothing else): the
  batch's distinct plates are intersected with it in C, and only the plates that are on the list (a handful per
  1,000 reads) are looked up in the database, live, by one statement that probes the partial index on the entries
  in force (``hotlistentry_exact_current``) once per plate (``apps.hotlists.services.hit_matching``). So whether an
  exact entry matches — still in force, not expired, its state, its list's current version — is still decided by the
  database at match time; the filter only spares the ~995 probes that could find nothing (issue #19).
* Partial entries (``?`` one character, ``*`` any run — the semantics and the regex are
  ``apps.reads.plates.PlatePattern``'s, the one implementation in the codebase): each pattern is indexed by up to
  three literal characters at fixed offsets from the start (before any ``*``) or from the end (after the last
  ``*``), whichever side pins more. For each distinct (side, offsets) signature of the version, the batch's plates
  are keyed once (``operator.itemgetter``, in C) and looked up in that signature's dict; the full regex runs only on
  the handful of candidates. Patterns with no fixed literal at either end (e.g. ``*AB?C*``) are indexed by their
  longest literal run (``AB``): a plate looks up each of its substrings of those lengths (a plate has at most a few
  dozen), so even they cost dict lookups, not a regex per pattern. Work is per distinct plate of the batch, and
  nothing is built per read.

Expiry and state are checked per match, live; staleness and agreements are decided per batch by the caller.
"""

from __future__ import annotations

import re
import threading
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from operator import itemgetter

from django.db import connection

from apps.reads.plates import PlatePattern

ANCHOR_CHARACTERS = 3


@dataclass(frozen=True, slots=True)
class EntryRef:
    entry_id: int
    hot_list_id: int
    version_id: int
    state: str
    expires_ts: float
    priority: int
    pattern: str


@dataclass(frozen=True, slots=True)
class ReadRow:
    """A read to match, loaded from the database; the same fields as ``apps.reads.hooks.StoredRead``, which ingest
    hands over, so matching takes either as it is."""

    id: int
    plate: str
    region: str
    camera_id: int
    captured_at: datetime


Candidate = tuple[re.Pattern, EntryRef]


@dataclass(frozen=True, slots=True)
class _Signature:
    """The partial patterns pinned at the same (side, offsets): ``key`` takes those characters from a plate of at
    least ``min_length`` characters; ``buckets`` maps them to the patterns that have them there."""

    min_length: int
    key: Callable[[str], object]
    buckets: dict[object, list[Candidate]]


@dataclass
class CompiledVersion:
    version_id: int
    exact_plates: frozenset[str] = frozenset()
    signatures: tuple[_Signature, ...] = ()
    # Patterns pinned at neither end (``*AB?C*``): indexed by a substring of their longest literal run.
    unanchored: dict[str, list[Candidate]] = field(default_factory=dict)
    unanchored_lengths: tuple[int, ...] = ()
    entry_count: int = 0  # partial entries

    def partial_matches(self, plates: Collection[str]) -> list[tuple[str, EntryRef]]:
        """(plate, entry) for every distinct plate of ``plates`` that one of this version's partial patterns fits
        (the full regex decides; expiry and state are the caller's)."""
        found: list[tuple[str, EntryRef]] = []
        if not self.entry_count or not plates:
            return found
        shortest = min(map(len, plates))
        for signature in self.signatures:
            key, buckets = signature.key, signature.buckets
            eligible = plates if signature.min_length <= shortest else [
                p for p in plates if len(p) >= signature.min_length]
            for plate in eligible:
                candidates = buckets.get(key(plate))
                if candidates:
                    found.extend((plate, ref) for regex, ref in candidates if regex.fullmatch(plate))
        if self.unanchored:
            index = self.unanchored
            for size in self.unanchored_lengths:
                for plate in plates:
                    seen: set[int] = set()
                    for start in range(len(plate) - size + 1):
                        for regex, ref in index.get(plate[start:start + size], ()):
                            if ref.entry_id not in seen and regex.fullmatch(plate):
                                seen.add(ref.entry_id)
                                found.append((plate, ref))
        return found


def pattern_anchor(pattern: str) -> tuple[str, tuple[int, ...], tuple[str, ...]] | None:
    """The literal characters that pin a partial pattern: (side, offsets, characters), or None."""
    head = []
    for index, char in enumerate(pattern):
        if char == "*":
            break
        if char != "?":
            head.append((index, char))
    tail = []
    if "*" in pattern:
        for index in range(len(pattern) - 1, -1, -1):
            char = pattern[index]
            if char == "*":
                break
            if char != "?":
                tail.append((index - len(pattern), char))
    side, literals = ("head", head) if len(head) >= len(tail) else ("tail", tail)
    if not literals:
        return None
    literals = literals[:ANCHOR_CHARACTERS]
    return side, tuple(o for o, _c in literals), tuple(c for _o, c in literals)


def literal_run(pattern: str) -> str:
    """The longest run of known characters in a pattern (at most ANCHOR_CHARACTERS), e.g. ``*AB?C*`` → ``AB``."""
    runs = re.split(r"[?*]+", pattern)
    return max(runs, key=len)[:ANCHOR_CHARACTERS]


def _signature(side: str, offsets: tuple[int, ...], buckets: dict) -> _Signature:
    # itemgetter(i) gives one character, itemgetter(i, j, …) a tuple: the bucket keys are built the same way.
    min_length = offsets[-1] + 1 if side == "head" else -offsets[-1]
    return _Signature(min_length, itemgetter(*offsets), buckets)


def compile_version(version_id: int, rows, exact_plates: Iterable[str] = ()) -> CompiledVersion:
    """rows: the version's partial entries, (entry_id, hot_list_id, pattern, is_partial, state, expires_at,
    priority); exact_plates: the plates of its exact entries."""
    compiled = CompiledVersion(version_id=version_id, exact_plates=frozenset(exact_plates))
    anchored: dict = defaultdict(lambda: defaultdict(list))
    unanchored: dict[str, list] = defaultdict(list)
    exact = set()
    for entry_id, hot_list_id, pattern, is_partial, state, expires_at, priority in rows:
        if not is_partial:
            exact.add(pattern)
            continue
        ref = EntryRef(entry_id, hot_list_id, version_id, state, expires_at.timestamp(), priority, pattern)
        compiled.entry_count += 1
        regex = PlatePattern(pattern).regex()
        anchor = pattern_anchor(pattern)
        if anchor is None:
            unanchored[literal_run(pattern)].append((regex, ref))
        else:
            side, offsets, characters = anchor
            anchored[(side, offsets)][characters if len(characters) > 1 else characters[0]].append((regex, ref))
    if exact:
        compiled.exact_plates = compiled.exact_plates | exact
    compiled.signatures = tuple(_signature(side, offsets, dict(buckets))
                                for (side, offsets), buckets in anchored.items())
    compiled.unanchored = dict(unanchored)
    compiled.unanchored_lengths = tuple(sorted({len(key) for key in unanchored}))
    return compiled


# The version's entries as they stood at that version (added in it or before, not removed by it), not expired now:
# the partial ones whole, the exact ones by plate only (a frozenset removes repeats: DISTINCT cost the database
# more than the rest of the load).
_VERSION_ENTRIES_SQL = """
SELECT e.id, e.hot_list_id, e.plate_pattern, e.is_partial, e.state, e.expires_at, e.priority
FROM hotlists_hotlistentry e
JOIN hotlists_hotlistversion a ON a.id = e.added_in_id
LEFT JOIN hotlists_hotlistversion r ON r.id = e.removed_in_id
WHERE e.hot_list_id = %s AND e.is_partial AND a.number <= %s AND (r.id IS NULL OR r.number > %s)
  AND e.expires_at > %s
"""
_VERSION_EXACT_PLATES_SQL = """
SELECT e.plate_pattern
FROM hotlists_hotlistentry e
JOIN hotlists_hotlistversion a ON a.id = e.added_in_id
LEFT JOIN hotlists_hotlistversion r ON r.id = e.removed_in_id
WHERE e.hot_list_id = %s AND NOT e.is_partial AND a.number <= %s AND (r.id IS NULL OR r.number > %s)
  AND e.expires_at > %s
"""


def _load_version(*, hot_list_id: int, version_id: int, number: int, now: datetime) -> CompiledVersion:
    with connection.cursor() as cursor:
        cursor.execute(_VERSION_ENTRIES_SQL, [hot_list_id, number, number, now])
        partial = cursor.fetchall()
        cursor.execute(_VERSION_EXACT_PLATES_SQL, [hot_list_id, number, number, now])
        exact_plates = [plate for (plate,) in cursor.fetchall()]
    return compile_version(version_id, partial, exact_plates)


class MatcherCache:
    """Compiled versions of this process, keyed by version id; versions no longer in use are dropped."""

    def __init__(self):
        self._versions: dict[int, CompiledVersion] = {}
        self._lock = threading.Lock()

    def get(self, *, hot_list_id: int, version_id: int, number: int, now: datetime) -> CompiledVersion:
        compiled = self._versions.get(version_id)
        if compiled is None:
            # Entries already expired at compile time can never match again, so they are left out; the rest are
            # checked against the clock per match (partial) or by the database (exact).
            compiled = _load_version(hot_list_id=hot_list_id, version_id=version_id, number=number, now=now)
            with self._lock:
                self._versions[version_id] = compiled
        return compiled

    def retain(self, version_ids) -> None:
        keep = set(version_ids)
        with self._lock:
            for version_id in [v for v in self._versions if v not in keep]:
                del self._versions[version_id]

    def clear(self) -> None:
        with self._lock:
            self._versions.clear()


matcher_cache = MatcherCache()


def region_state(region: str) -> str:
    """``CA``, ``US-CA`` and ``us-ca`` are all California; anything else is passed through uppercased."""
    region = (region or "").upper()
    return region.rsplit("-", 1)[-1] if "-" in region else region


def reads_pair(reads: Iterable, found: dict[str, list[EntryRef]], *, now_ts: float):
    """Yield (read, entry) for every read whose plate has entries in ``found`` that are in force for it: not expired,
    and of the read's state when both know it (``reads``: ``ReadRow`` or ``StoredRead``)."""
    if not found:
        return
    for read in reads:
        refs = found.get(read.plate)
        if not refs:
            continue
        state = region_state(read.region)
        for ref in refs:
            if ref.expires_ts <= now_ts:
                continue
            if ref.state and state and ref.state != state:
                continue
            yield read, ref


def partial_found(plates: Collection[str], versions: Iterable[CompiledVersion]) -> dict[str, list[EntryRef]]:
    """{plate: [partial entries whose pattern fits it]} over the versions."""
    found: dict[str, list[EntryRef]] = {}
    for compiled in versions:
        for plate, ref in compiled.partial_matches(plates):
            found.setdefault(plate, []).append(ref)
    return found


def match_rows(reads: list, versions: list[CompiledVersion], *, now_ts: float):
    """Yield (read, entry) for every read matching a partial entry in force (not expired, state compatible)."""
    yield from reads_pair(reads, partial_found({read.plate for read in reads}, versions), now_ts=now_ts)
