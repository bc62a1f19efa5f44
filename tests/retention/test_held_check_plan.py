"""The nightly purge keeps held reads (R-RET-3) without the check costing a scan of every held read per read.

Retention's batches run with hash and merge joins off (their join back to the rows by ctid must be a nested loop). The
"not held" test was a join the planner was then free to run as a sequential scan of ``holds_heldread`` for every read
of the batch: measured on one night's 1M reads with 10,000 held, 2,000 reads took 11.4 s (20M comparisons), 13.8 ms
once it is one index probe per read. This runs a real purge batch under EXPLAIN ANALYZE and checks that the held
reads are looked up per read, by index, in a form the planner cannot turn into that join, and that they stay
(issue #19)."""

from __future__ import annotations

import re
from datetime import timedelta

from django.db import connection
from django.utils import timezone

from apps.holds.choices import HoldGround, HoldStatus, ScopeKind
from apps.holds.models import EvidenceHold
from apps.reads.models import Read
from apps.reads.retention import _purge_batch
from apps.reads.services.ingest import read_batch_ingest
from tests.reads.conftest import iso


def test_a_purge_batch_probes_the_held_reads_by_read_instead_of_scanning_them(camera, supervisor, investigator):
    old = timezone.now() - timedelta(days=800)
    read_batch_ingest(camera=camera, items=[{"plate": f"7ABC{index:03d}", "captured_at": iso(old + timedelta(
        seconds=index)), "read_id": f"old-{index}"} for index in range(300)])
    Read.objects.update(archived_at=old + timedelta(days=1))
    held = list(Read.objects.order_by("captured_at").values_list("pk", "captured_at", "plate_current")[:5])
    hold = EvidenceHold.objects.create(
        case_number="24-000123", reason="Evidence.", ground=HoldGround.EVIDENCE, contact="x",
        scope_kind=ScopeKind.READS, requested_by=investigator, approver=supervisor, status=HoldStatus.ACTIVE,
        decided_by=supervisor, decided_at=timezone.now(), read_count=20_005)
    with connection.cursor() as cursor:
        # The five old reads, and 20,000 held copies of reads long gone (a held copy outlives its read).
        cursor.execute("INSERT INTO holds_heldread (hold_id, read_id, plate, captured_at, camera_name) "
                       "SELECT %s, g, 'GONE' || g, now(), 'gone' FROM generate_series(10000000, 10019999) g",
                       [hold.pk])
        for pk, captured_at, plate in held:
            cursor.execute("INSERT INTO holds_heldread (hold_id, read_id, plate, captured_at, camera_name) "
                           "VALUES (%s, %s, %s, %s, 'cam')", [hold.pk, pk, plate, captured_at])
        cursor.execute("ANALYZE holds_heldread")
        cursor.execute("ANALYZE holds_evidencehold")

    plans = []

    def explain(execute, sql, params, many, context):
        if sql.lstrip().startswith("WITH batch"):
            result = execute("EXPLAIN (ANALYZE, COSTS OFF) " + sql, params, many, context)
            plans.append("\n".join(row[0] for row in context["cursor"].fetchall()))
            return result
        return execute(sql, params, many, context)

    now = timezone.now()
    with connection.execute_wrapper(explain):
        _purge_batch(where="r.captured_at < %s AND r.archived_at IS NOT NULL AND r.archived_at < %s",
                     params=[now - timedelta(days=730), now], limit=1000, after=None, run_id=None, as_of=now,
                     end=now - timedelta(days=730))

    assert plans, "the purge batch statement was not seen"
    batch = plans[0].split("CTE part0")[0]
    # Not a join (which the planner may run as a scan of every held read per read, depending on its statistics: it
    # did on the 1M-read night) but a subquery run per read, answered by the read_id index.
    assert "Anti Join" not in batch and "Seq Scan on holds_heldread" not in batch, batch
    # (r_1, r_2, … when the batch's range spans several month partitions)
    assert re.search(r"Index Cond: \(read_id = r(_\d+)?\.id\)", batch), batch
    remaining = set(Read.objects.values_list("pk", flat=True))
    assert remaining == {pk for pk, _at, _plate in held}  # the others purged, the held five kept (R-RET-3)
