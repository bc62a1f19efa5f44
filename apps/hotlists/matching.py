"""In-memory matching of reads against hot-list versions (R-HOT-3), built for ingest speed.

A version's contents never change (``apps.hotlists.models``), so each version's partial patterns are compiled once
per process and kept until the list moves to another version (no cross-process invalidation needed: every batch asks the
database which version each usable list is at, and a new version id is simply a cache miss).

* Exact entries: matched in the database, one statement per batch that probes the partial index on the entries in
  force (``hotlistentry_exact_current``) once per distinct plate of the batch
  (``apps.hotlists.services.hit_matching``), so nothing of a 100,000-entry list has to be loaded into each process,
  a refresh costs no warm-up, and a change holds in every process from its next batch.
* Partial entries (``?`` one character, ``*`` any run — the semantics and the regex are
  ``apps.reads.plates.PlatePattern``'s, the one implementation in the codebase): each pattern is indexed by up to
  three literal characters at fixed offsets from the start (before any ``*``) or from the end (after the last
  ``*``), whichever side pins more. A read looks up each distinct (side, offsets) signature of the version — a few
  dict lookups — and runs the full regex only on the handful of candidates. Patterns with no fixed literal at either
  end (e.g. ``*AB?C*``) are indexed by their longest literal run (``AB``): a read looks up each of its substrings of
  those lengths (a plate has at most a few dozen), so even they cost dict lookups, not a regex per pattern.

Expiry and state are checked per match, live; staleness and agreements are decided per batch by the caller.
"""

from __future__ import annotations

import re
import threading
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

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
    read_id: int
    plate: str
    region: str
    camera_id: int
    captured_at: datetime


@dataclass
class CompiledVersion:
    version_id: int
    exact: dict[str, list[EntryRef]] = field(default_factory=dict)
    # (side, offsets) -> {characters: [(regex, entry)]}
    anchored: dict[tuple[str, tuple[int, ...]], dict[tuple[str, ...], list[tuple[re.Pattern, EntryRef]]]] = field(
        default_factory=dict)
    # Patterns pinned at neither end (``*AB?C*``): indexed by a substring of their longest literal run.
    unanchored: dict[str, list[tuple[re.Pattern, EntryRef]]] = field(default_factory=dict)
    unanchored_lengths: tuple[int, ...] = ()
    entry_count: int = 0

    def candidates(self, plate: str):
        for ref in self.exact.get(plate, ()):
            yield ref
        length = len(plate)
        for (side, offsets), buckets in self.anchored.items():
            if side == "head":
                if offsets[-1] >= length:
                    continue
                key = tuple(plate[o] for o in offsets)
            else:
                if -offsets[-1] > length:
                    continue
                key = tuple(plate[o] for o in offsets)
            for regex, ref in buckets.get(key, ()):
                if regex.fullmatch(plate):
                    yield ref
        if self.unanchored:
            seen = set()
            for size in self.unanchored_lengths:
                for start in range(length - size + 1):
                    for regex, ref in self.unanchored.get(plate[start:start + size], ()):
                        if ref.entry_id not in seen and regex.fullmatch(plate):
                            seen.add(ref.entry_id)
                            yield ref


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


def compile_version(version_id: int, rows) -> CompiledVersion:
    """rows: (entry_id, hot_list_id, pattern, is_partial, state, expires_at, priority)."""
    compiled = CompiledVersion(version_id=version_id)
    exact: dict[str, list[EntryRef]] = defaultdict(list)
    anchored: dict = defaultdict(lambda: defaultdict(list))
    unanchored: dict[str, list] = defaultdict(list)
    for entry_id, hot_list_id, pattern, is_partial, state, expires_at, priority in rows:
        ref = EntryRef(entry_id, hot_list_id, version_id, state, expires_at.timestamp(), priority, pattern)
        compiled.entry_count += 1
        if not is_partial:
            exact[pattern].append(ref)
            continue
        regex = PlatePattern(pattern).regex()
        anchor = pattern_anchor(pattern)
        if anchor is None:
            unanchored[literal_run(pattern)].append((regex, ref))
        else:
            side, offsets, characters = anchor
            anchored[(side, offsets)][characters].append((regex, ref))
    compiled.exact = dict(exact)
    compiled.anchored = {signature: dict(buckets) for signature, buckets in anchored.items()}
    compiled.unanchored = dict(unanchored)
    compiled.unanchored_lengths = tuple(sorted({len(key) for key in unanchored}))
    return compiled


_VERSION_ENTRIES_SQL = """
SELECT e.id, e.hot_list_id, e.plate_pattern, e.is_partial, e.state, e.expires_at, e.priority
FROM hotlists_hotlistentry e
JOIN hotlists_hotlistversion a ON a.id = e.added_in_id
LEFT JOIN hotlists_hotlistversion r ON r.id = e.removed_in_id
WHERE e.hot_list_id = %s AND e.is_partial AND a.number <= %s AND (r.id IS NULL OR r.number > %s)
  AND e.expires_at > %s
"""


def _load_version(*, hot_list_id: int, version_id: int, number: int, now: datetime) -> CompiledVersion:
    with connection.cursor() as cursor:
        cursor.execute(_VERSION_ENTRIES_SQL, [hot_list_id, number, number, now])
        return compile_version(version_id, cursor.fetchall())


class MatcherCache:
    """Compiled versions of this process, keyed by version id; versions no longer in use are dropped."""

    def __init__(self):
        self._versions: dict[int, CompiledVersion] = {}
        self._lock = threading.Lock()

    def get(self, *, hot_list_id: int, version_id: int, number: int, now: datetime) -> CompiledVersion:
        compiled = self._versions.get(version_id)
        if compiled is None:
            # Entries already expired at compile time can never match again, so they are left out; the rest are
            # checked against the clock per match.
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


def match_rows(reads: list[ReadRow], versions: list[CompiledVersion], *, now_ts: float):
    """Yield (read, entry) for every read matching an entry in force (not expired, state compatible)."""
    for read in reads:
        state = region_state(read.region)
        for compiled in versions:
            for ref in compiled.candidates(read.plate):
                if ref.expires_ts <= now_ts:
                    continue
                if ref.state and state and ref.state != state:
                    continue
                yield read, ref
