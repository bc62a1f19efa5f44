"""How many queries to sample, and which: pure functions, so the draw can be reproduced and tested on its own.

The draw ranks every query of the population by SHA-256(``seed``:``seq``) (seq = the access-log row's position in
the hash chain, which never changes) and takes the lowest ranks, per stratum when stratified. Nothing depends on a
random-number generator's implementation, row order, or the database: the same seed and the same (append-only)
population give the same sample anywhere.

A risk-weighted draw (R-AUD-3a) gives each query a weight w ≥ 1 (apps.audits.risk) and ranks it by
-ln(u) / w instead, where u ∈ (0, 1) is taken from the same SHA-256: weighted sampling without replacement
(Efraimidis–Spirakis), so a query of weight 4 is about four times as likely to be drawn, and the draw is still a
pure function of the seed and the population.
"""

from __future__ import annotations

import hashlib
import math
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from apps.audits.choices import Z_SCORES


@dataclass(frozen=True)
class PopulationEntry:
    access_log_id: int
    seq: int
    stratum: str
    weight: float = 1.0
    flags: tuple[str, ...] = ()


@dataclass(frozen=True)
class DrawnEntry:
    access_log_id: int
    seq: int
    stratum: str
    rank_key: str
    position: int
    weight: float = 1.0
    flags: tuple[str, ...] = ()


def new_seed() -> str:
    return secrets.token_hex(16)


def rank_key(seed: str, seq: int) -> str:
    return hashlib.sha256(f"{seed}:{seq}".encode()).hexdigest()


def weighted_rank(key: str, weight: float) -> float:
    """-ln(u) / weight with u in (0, 1) from the first 52 bits of the rank key (exact in a float): the smaller,
    the earlier the query is drawn (R-AUD-3a)."""
    u = (int(key[:13], 16) + 1) / (16**13 + 1)
    return -math.log(u) / weight


def sample_size_for(*, population: int, confidence_level: int, margin_of_error: Decimal | float,
                    minimum: int) -> int:
    """Cochran's sample size for a proportion (worst case p = 0.5) with the finite-population correction, raised
    to ``minimum`` and capped at the population."""
    if population <= 0:
        return 0
    z = Z_SCORES[int(confidence_level)]
    margin = float(margin_of_error) / 100
    n0 = (z * z * 0.25) / (margin * margin)
    n = math.ceil(n0 / (1 + (n0 - 1) / population))
    return min(population, max(n, minimum))


def allocate(strata: dict[str, int], total: int) -> dict[str, int]:
    """Split ``total`` across strata in proportion to their sizes (largest remainder), at least one per stratum,
    never more than a stratum holds. Deterministic: ties go to the stratum whose name sorts first."""
    population = sum(strata.values())
    total = min(total, population)
    if total <= 0:
        return dict.fromkeys(strata, 0)
    quota = {name: total * size / population for name, size in strata.items()}
    allocation = {name: min(size, max(1, math.floor(quota[name]))) for name, size in strata.items()}
    ordered = sorted(strata)
    while sum(allocation.values()) > total:
        # Only reachable when the minimum of one per stratum overshoots: trim the largest allocations first.
        name = max(ordered, key=lambda s: (allocation[s], -ordered.index(s)))
        allocation[name] -= 1
    while sum(allocation.values()) < total:
        candidates = [s for s in ordered if allocation[s] < strata[s]]
        name = max(candidates, key=lambda s: (quota[s] - allocation[s], -ordered.index(s)))
        allocation[name] += 1
    return allocation


def draw(*, population: Iterable[PopulationEntry], seed: str, size: int, stratified: bool,
         weighted: bool = False) -> list[DrawnEntry]:
    """The sample: the ``size`` entries with the lowest rank keys (per stratum in proportion when ``stratified``;
    a stratified sample holds at least one entry per stratum, so it may be larger than ``size``). ``weighted``:
    rank by ``weighted_rank`` so heavier (riskier) entries are drawn more often (R-AUD-3a)."""
    ranked: dict[str, list[tuple[object, PopulationEntry]]] = {}
    for entry in population:
        key = rank_key(seed, entry.seq)
        order = (weighted_rank(key, entry.weight), key) if weighted else key
        ranked.setdefault(entry.stratum if stratified else "", []).append((order, entry))
    if not ranked:
        return []
    sizes = {name: len(entries) for name, entries in ranked.items()}
    allocation = allocate(sizes, max(size, len(sizes))) if stratified else {"": min(size, sizes[""])}
    chosen: list[tuple[str, PopulationEntry]] = []
    for name, entries in ranked.items():
        entries.sort(key=lambda item: item[0])
        chosen.extend(entries[: allocation[name]])
    chosen.sort(key=lambda item: item[0])
    return [
        DrawnEntry(access_log_id=entry.access_log_id, seq=entry.seq, stratum=entry.stratum,
                   rank_key=rank_key(seed, entry.seq), position=position, weight=entry.weight, flags=entry.flags)
        for position, (_, entry) in enumerate(chosen, start=1)
    ]
