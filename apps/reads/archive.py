"""Which reads are logically archived (R-RET-1): the one predicate every path that shows reads to ordinary users goes
through.

A read is archived when it was flagged one by one (``archived_at``, set after an evidence hold that kept it ended, and
on reads archived before the watermark existed) or when the archive watermark has passed it: it was captured before
the greatest ``ReadArchiveWatermark.captured_before`` and no hold keeps it (``ReadArchiveExemption``, R-RET-3).
Archived reads are visible to system administrators only.

Two spellings of the same predicate, kept side by side here: ``read_unarchived_q`` for the ORM (querysets of reads,
or of hits through ``read__``) and ``read_unarchived_sql`` for the raw search statements. Both read the watermark and
the exemptions in the statement itself, so a search never sees a watermark older than the statement.
``tests/retention/test_archive_watermark.py`` reads every source file and template for a filter on the flag alone, and
``tests/test_archive_crawler.py`` opens every route as every non-administrator with part of the demo archived.
"""

from __future__ import annotations

from bisect import bisect_right
from datetime import UTC, datetime

from django.db import connection
from django.db.models import DateTimeField, Max, Q, Subquery, Value
from django.db.models.functions import Coalesce, Now

# Before every capture time: the watermark when no archive run has advanced it yet.
WATERMARK_NONE = datetime(1, 1, 1, tzinfo=UTC)

# A watermark row counts only from its own moment, by the database's clock: a run whose clock was years ahead
# (a misset host clock) would otherwise hide every read — those arriving afterwards too — until someone deleted its row.
# With this it waits, harmless, for a moment that has not come (tests/retention/test_archive_watermark.py).


def _in_force():
    from apps.reads.models import ReadArchiveWatermark

    return ReadArchiveWatermark.objects.filter(archived_at__lte=Now())


def _watermark_expression():
    greatest = _in_force().order_by("-captured_before").values("captured_before")[:1]
    return Coalesce(Subquery(greatest, output_field=DateTimeField()), Value(WATERMARK_NONE),
                    output_field=DateTimeField())


def read_unarchived_q(prefix: str = "") -> Q:
    """ORM condition: the read (``prefix`` ``"read__"`` for a model that points at one) is not archived (R-RET-1)."""
    from apps.reads.models import ReadArchiveExemption

    return Q(**{f"{prefix}archived_at__isnull": True}) & (
        Q(**{f"{prefix}captured_at__gte": _watermark_expression()})
        | Q(**{f"{prefix}pk__in": ReadArchiveExemption.objects.values("read_id")}))


def _none_literal() -> str:
    return "'-infinity'::timestamptz" if connection.vendor == "postgresql" else "'0001-01-01 00:00:00'"


def watermark_sql() -> str:
    """SQL: the archive watermark in force (a scalar subquery; PostgreSQL evaluates it once per statement)."""
    # The statement's own moment (as Django's Now()), not the transaction's start: a run's row written earlier in the
    # same transaction is in force for the statements after it.
    now = "statement_timestamp()" if connection.vendor == "postgresql" else "datetime('now')"
    return (f"coalesce((SELECT max(w.captured_before) FROM reads_readarchivewatermark w "  # noqa: S608 - fixed SQL
            f"WHERE w.archived_at <= {now}), {_none_literal()})")


def read_unarchived_sql(alias: str = "r") -> str:
    """SQL condition (no parameters): the read ``alias`` is not archived (R-RET-1). Every column it reads from the
    read (``archived_at``, ``captured_at``, ``id``) is in the exact-search index, so that search stays index-only."""
    return (f"({alias}.archived_at IS NULL AND ({alias}.captured_at >= {watermark_sql()} "  # noqa: S608 - fixed SQL
            f"OR {alias}.id IN (SELECT e.read_id FROM reads_readarchiveexemption e)))")


def watermark_passed_before(cutoff: datetime) -> datetime:
    """The watermark as advances made before ``cutoff`` left it: the reads captured before it that no hold kept were
    archived before ``cutoff`` (WATERMARK_NONE when no advance was made before it)."""
    return _in_force().filter(archived_at__lt=cutoff).aggregate(at=Max("captured_before"))["at"] or WATERMARK_NONE


def archived_before(cutoff: datetime, alias: str = "r") -> tuple[str, list]:
    """SQL condition and parameters: the read ``alias`` was archived before ``cutoff`` (what the purge takes,
    R-RET-2) — flagged before it, or passed by a watermark advance made before it and not kept by a hold. The caller
    still excludes reads held now (R-RET-3)."""
    flagged, flagged_params = flagged_archived_before(cutoff, alias)
    return (f"({flagged} OR ({alias}.archived_at IS NULL "  # noqa: S608
            f"AND {alias}.captured_at < %s AND NOT EXISTS (SELECT 1 FROM reads_readarchiveexemption e "
            f"WHERE e.read_id = {alias}.id)))", [*flagged_params, watermark_passed_before(cutoff)])


def flagged_archived_before(cutoff: datetime, alias: str = "r") -> tuple[str, list]:
    """SQL condition and parameters: the read ``alias`` was flagged archived one by one before ``cutoff`` (after the
    hold that kept it ended, or before the watermark existed). The index ``read_flagged_archived`` holds only such
    reads, so the purge finds them without walking the reads the watermark archived and that are not yet due."""
    return f"({alias}.archived_at IS NOT NULL AND {alias}.archived_at < %s)", [cutoff]


def archive_watermark() -> datetime | None:
    """The watermark in force: reads captured before it are archived unless a hold keeps them (None: not yet)."""
    return _in_force().aggregate(at=Max("captured_before"))["at"]


class _Watermarks:
    """The watermark's advances, to answer "when was a read captured at T archived?" for many reads at once."""

    def __init__(self):
        self.steps: list[tuple[datetime, datetime]] = []  # (captured_before in force, since) — rising
        greatest = None
        for archived_at, captured_before in _in_force().order_by("archived_at").values_list(
                "archived_at", "captured_before"):
            if greatest is None or captured_before > greatest:
                greatest = captured_before
                self.steps.append((captured_before, archived_at))

    def archived_on(self, captured_at: datetime) -> datetime | None:
        """The first advance that passed ``captured_at``: its ``captured_before`` is the first one above it."""
        index = bisect_right([before for before, _ in self.steps], captured_at)
        return self.steps[index][1] if index < len(self.steps) else None


def reads_archived_on_set(reads) -> None:
    """Set ``archived_on`` on each read of a list (two queries, whatever its length)."""
    from apps.reads.models import ReadArchiveExemption

    reads = [read for read in reads if "_archived_on" not in read.__dict__]
    if not reads:
        return
    watermarks = _Watermarks()
    candidates = [read.pk for read in reads if read.archived_at is None and watermarks.archived_on(read.captured_at)]
    exempt = set(ReadArchiveExemption.objects.filter(read_id__in=candidates).values_list("read_id", flat=True)) \
        if candidates else set()
    for read in reads:
        if read.archived_at is not None:
            read.__dict__["_archived_on"] = read.archived_at
        elif read.pk in exempt:
            read.__dict__["_archived_on"] = None
        else:
            read.__dict__["_archived_on"] = watermarks.archived_on(read.captured_at)


def read_archived_on(read) -> datetime | None:
    """``Read.archived_on`` for one read, looked up now (not kept on the instance)."""
    from apps.reads.models import ReadArchiveExemption

    if read.archived_at is not None:
        return read.archived_at
    on = _Watermarks().archived_on(read.captured_at)
    if on is None or ReadArchiveExemption.objects.filter(read_id=read.pk).exists():
        return None
    return on

