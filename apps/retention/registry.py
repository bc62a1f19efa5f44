"""The data classes retention knows, each with its period, a set-based purge, and a held-check (R-RET-2, R-RET-4).

A capability whose data expires registers a ``DataClass`` in its AppConfig.ready()::

    from apps.retention.registry import DataClass, data_class_register, read_keeper_register

    data_class_register(DataClass(
        key="hits", label="Hits", rule="R-RET-2", order=40,
        period_days=lambda policy: policy.hit_retention_days,
        apply=hits_purge,            # (ctx, days) -> {"purged": n, ...}: batched SQL, idempotent, skips held data
        held_check="hits of reads under an active evidence hold are kept",
    ))
    # Reads a hit refers to are not "non-hit" reads (the optional early purge, SB 274):
    read_keeper_register("hits", lambda alias: f"EXISTS (SELECT 1 FROM hotlists_hit x WHERE x.read_id = {alias}.id)")

The nightly run calls every registered class in ``order``; a class whose period is None (off) is skipped. ``apply``
must be idempotent and resumable (a crash midway and a rerun give the same end state): commit per batch, choose rows
by predicate (never by a list computed before the crash), and queue files with ``engine.files_queue_sql``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

_DATA_CLASSES: dict[str, DataClass] = {}
_READ_KEEPERS: dict[str, Callable[[str], str]] = {}
_READ_HOLDERS: dict[str, Callable[..., str]] = {}
_READ_PARTS: dict[str, Callable[[], Any]] = {}
_BACKUP_HORIZONS: dict[str, Callable[[], Any]] = {}


# How a purge treats a row that a foreign key still refers to (R-RET-4: a reference must never fail the run).
KEEPS_REFERENCED = "kept"  # the row is skipped while referenced (``engine.referenced_sql`` of the model)
DETACHES_REFERENCES = "detached"  # the reference is set to null; the referrer keeps a frozen copy


@dataclass(frozen=True)
class DataClass:
    """One data class of the nightly run. ``purges`` names the models whose rows ``apply`` deletes, in the order it
    deletes them (a model listed earlier goes first, in the same batch); ``references`` says how a row that another
    record still refers to is treated. tests/retention/test_references.py checks every foreign key against both."""

    key: str
    label: str
    rule: str
    period_days: Callable[[Any], int | None]
    apply: Callable[[Any, int], dict]
    held_check: str = ""
    order: int = 100
    purges: tuple[str, ...] = ()
    references: str = ""
    # Days from the data's first day until this class purges it, when ``period_days`` counts from a later event
    # (the reads purge counts from archiving: archive days + purge days). None: ``period_days``. Backups use it.
    lifetime_days: Callable[[Any], int | None] | None = None

    def lifetime(self, policy) -> int | None:
        return (self.lifetime_days or self.period_days)(policy)


def data_class_register(data_class: DataClass) -> None:
    _DATA_CLASSES[data_class.key] = data_class


def data_class_unregister(key: str) -> None:
    _DATA_CLASSES.pop(key, None)


def data_classes() -> list[DataClass]:
    return sorted(_DATA_CLASSES.values(), key=lambda item: (item.order, item.key))


def read_keeper_register(key: str, sql: Callable[[str], str]) -> None:
    """A predicate (SQL, given the reads table alias) true for reads that are *not* non-hit reads."""
    _READ_KEEPERS[key] = sql


def read_keepers() -> dict[str, Callable[[str], str]]:
    return dict(_READ_KEEPERS)


def read_holder_register(key: str, sql: Callable[..., str]) -> None:
    """A predicate (SQL, given the reads table alias and ``as_of``) true for reads under a hold retention must respect
    (R-RET-3): evidence holds register theirs, so retention does not import them."""
    _READ_HOLDERS[key] = sql


def read_held_sql(alias: str = "r", *, as_of=None, per_read: bool = False) -> str:
    """SQL true when a registered holder holds the read ``alias`` (used as ``AND NOT <this>``; no parameters).
    ``per_read``: the statement checks one read at a time (a retention batch, whose joins must be nested loops); a
    holder then answers with an index probe per read rather than a join the planner could run as a scan."""
    clauses = [sql(alias, as_of=as_of, per_read=per_read) for sql in _READ_HOLDERS.values()]
    if not clauses:
        return "FALSE"
    return clauses[0] if len(clauses) == 1 else "(" + " OR ".join(clauses) + ")"


def read_part_register(key: str, model: Callable[[], Any]) -> None:
    """A model (given lazily) whose rows are part of a read (``read_id``) and go with it when it is purged: the OCR
    alternates, for instance. Registered by the app that owns it."""
    _READ_PARTS[key] = model


def read_parts_registered() -> list:
    return [model() for model in _READ_PARTS.values()]


def backup_horizon_register(key: str, horizon: Callable[[], Any]) -> None:
    """``horizon()``: the date by which the last backup that may still hold data purged *now* expires (None: no
    backup holds it). Registered by the backups app; the nightly run records it for every purge step."""
    _BACKUP_HORIZONS[key] = horizon


def backup_horizon() -> Any:
    """The latest date any registered backup store gives (None if none is registered or no backup holds data)."""
    dates = [date for date in (horizon() for horizon in _BACKUP_HORIZONS.values()) if date is not None]
    return max(dates) if dates else None


def register_builtin_data_classes() -> None:
    """The access log's class: the audit app is a base layer that imports no domain app, so retention registers it.
    Every other class is registered by the app that owns the data (reads, hot lists, OCR, holds, disclosures)."""
    from apps.retention import engine

    data_class_register(DataClass(
        key="access_log", label="Access log", rule="R-AUD-1", order=60,
        period_days=lambda policy: policy.access_log_retention_days, apply=engine.access_log_expire,
        held_check="only a verified prefix is purged, with a signed checkpoint; audit samples are detached",
        purges=("audit.AccessLog",), references=DETACHES_REFERENCES))
