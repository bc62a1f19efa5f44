"""The one controlled way rows leave the access log: retention's purge of rows past their period (R-AUD-1).

The access log is append-only (model, admin, and on PostgreSQL a trigger). After its retention period (at least
2 years, ``RetentionPolicy.access_log_retention_days``) the oldest rows are purged here, and only here:

1. the chain lock is taken (the same advisory lock writers take), so nothing is appended mid-purge;
2. the prefix to purge is chosen: rows older than the cutoff, from the first remaining row, never the chain head
   (a writer that found the log empty would restart the chain at the genesis);
3. that prefix is verified first — a prefix that no longer verifies is evidence of tampering and is never purged;
4. a signed ``AccessLogCheckpoint`` (range, last row's hash, who, when, HMAC chained to the previous checkpoint) is
   written, ``SET LOCAL alprportal.access_log_purge`` names its token, records that refer to the rows (audit samples,
   which keep a frozen copy) are detached, and the rows are deleted — the trigger allows a DELETE only for rows a
   checkpoint written in the same transaction covers (R-RET-4: a reference never makes the nightly run fail);
5. a domain event records the purge. All in one transaction per batch (resumable: a crash loses nothing).

``access_log_verify_chain`` then starts from the last checkpoint and checks the first remaining row links to it.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from django.db import connection, transaction
from django.utils import timezone

from apps.audit.anchors import anchor_write_locked
from apps.audit.models import GENESIS_HASH, AccessLog, AccessLogCheckpoint, AnchorReason
from apps.audit.services import ACCESS_LOG_CHAIN_LOCK_KEY, event_record
from apps.common.errors import ApplicationError
from apps.common.references import foreign_keys_into

PURGE_CHAIN_BROKEN = (
    "The access-log rows due for purging do not verify (row seq={seq}: {problem}); nothing was purged. Investigate "
    "the tampering before any purge."
)
PURGE_CHECKPOINT_MISMATCH = (
    "The first remaining access-log row (seq={seq}) does not follow the last purge checkpoint (seq_to={seq_to}); "
    "nothing was purged."
)
PURGE_REFERENCE_NOT_DETACHABLE = (
    "{model}.{field} refers to access-log rows and cannot be detached (it is not nullable); nothing was purged. "
    "Give it a frozen copy of what it needs and a nullable reference."
)
PURGE_SETTING = "alprportal.access_log_purge"


def access_log_references() -> list:
    """Every database foreign key into the access log (found through the model meta, so a new one is never missed).

    The purge detaches each one (sets it to null) for the rows it removes, in the same transaction: a record that
    must outlive the row — an audit sample (R-AUD-3) — keeps a frozen copy of what it shows (R-RET-4).
    """
    return foreign_keys_into(AccessLog)


def _detach_references(cursor, *, first: int, last: int) -> dict[str, int]:
    detached = {}
    for field in access_log_references():
        if not field.null:
            raise ApplicationError(PURGE_REFERENCE_NOT_DETACHABLE.format(model=field.model._meta.label,
                                                                         field=field.name),
                                   code="access_log_reference_not_detachable")
        table, column = field.model._meta.db_table, field.column
        cursor.execute(
            f"UPDATE {table} SET {column} = NULL WHERE {column} IN "  # noqa: S608 - names from the model meta
            "(SELECT id FROM audit_accesslog WHERE seq >= %s AND seq <= %s)", [first, last])
        detached[field.model._meta.label] = max(cursor.rowcount, 0)
    return detached


@dataclass(frozen=True)
class AccessLogPurgeResult:
    purged: int
    checkpoints: list[int]


def _verify_prefix(rows: list[AccessLog], *, previous_hash: str, first_seq: int) -> None:
    expected_seq = first_seq
    for row in rows:
        problem = ""
        if row.seq != expected_seq:
            problem = f"rows {expected_seq}…{row.seq - 1} are missing"
        elif row.previous_hash != previous_hash:
            problem = "its link to the previous row does not match"
        elif row.compute_hash() != row.row_hash:
            problem = "its content no longer matches its hash"
        if problem:
            raise ApplicationError(PURGE_CHAIN_BROKEN.format(seq=row.seq, problem=problem),
                                   code="access_log_chain_broken")
        previous_hash, expected_seq = row.row_hash, row.seq + 1


def _purge_batch(*, actor, before: datetime, batch_size: int, reason: str) -> AccessLogCheckpoint | None:
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [ACCESS_LOG_CHAIN_LOCK_KEY])
        head = AccessLog.objects.order_by("-seq").values_list("seq", flat=True).first()
        first = AccessLog.objects.order_by("seq").values_list("seq", flat=True).first()
        if head is None or first is None or first >= head:
            return None
        first_kept = (AccessLog.objects.filter(occurred_at__gte=before).order_by("seq")
                      .values_list("seq", flat=True).first())
        target = min(head - 1, (first_kept - 1) if first_kept is not None else head - 1)
        last = min(target, first + batch_size - 1)
        if last < first:
            return None
        previous = AccessLogCheckpoint.objects.order_by("-seq_to").first()
        expected_first, start_hash = (previous.seq_to + 1, previous.last_row_hash) if previous else (1, GENESIS_HASH)
        if first != expected_first:
            raise ApplicationError(PURGE_CHECKPOINT_MISMATCH.format(seq=first, seq_to=expected_first - 1),
                                   code="access_log_checkpoint_mismatch")
        rows = list(AccessLog.objects.filter(seq__gte=first, seq__lte=last).order_by("seq"))
        _verify_prefix(rows, previous_hash=start_hash, first_seq=first)
        last_row = rows[-1]
        with connection.cursor() as cursor:
            txid = 0
            if connection.vendor == "postgresql":
                cursor.execute("SELECT txid_current()")
                txid = cursor.fetchone()[0]
        checkpoint = AccessLogCheckpoint(
            seq_from=first, seq_to=last, rows_purged=last - first + 1, first_previous_hash=rows[0].previous_hash,
            last_row_hash=last_row.row_hash, last_occurred_at=last_row.occurred_at, cutoff=before,
            purged_at=timezone.now(), actor=actor if getattr(actor, "pk", None) else None,
            actor_username=actor.get_username() if getattr(actor, "pk", None) else "system", reason=reason[:200],
            purge_token=uuid.uuid4(), txid=txid, previous_signature=previous.signature if previous else "",
        )
        checkpoint.signature = checkpoint.compute_signature()
        checkpoint.save(force_insert=True)
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                # Transaction-local: the trigger sees the token only inside this transaction.
                cursor.execute("SELECT set_config(%s, %s, true)", [PURGE_SETTING, str(checkpoint.purge_token)])
            detached = _detach_references(cursor, first=first, last=last)
            cursor.execute("DELETE FROM audit_accesslog WHERE seq >= %s AND seq <= %s", [first, last])
            deleted = cursor.rowcount
        if deleted != checkpoint.rows_purged:
            raise ApplicationError(PURGE_CHAIN_BROKEN.format(seq=first, problem="rows changed during the purge"),
                                   code="access_log_chain_broken")
        # R-AUD-1b: the head after the purge is anchored in the same transaction (the chain lock is still held).
        anchor_write_locked(reason=AnchorReason.PURGE, force=True)
        event_record(actor=actor, code="alprportal.audit.access_log.purged", target=checkpoint, data={
            "seq_from": first, "seq_to": last, "rows": deleted, "cutoff": before.isoformat(), "reason": reason,
            "detached": detached,
        })
        return checkpoint


def access_log_purge(*, actor=None, before: datetime, batch_size: int = 50000, reason: str = "",
                     after_batch=None) -> AccessLogPurgeResult:
    """Purge access-log rows that occurred before ``before`` (R-AUD-1), in batches, each with a signed checkpoint.

    Idempotent and resumable: each batch commits on its own; a rerun continues from the first remaining row.
    Raises ApplicationError (nothing purged in that batch) if the prefix does not verify or does not follow the
    last checkpoint. ``after_batch(count)`` is called after each committed batch (progress; tests simulate crashes).
    """
    purged, checkpoints = 0, []
    while True:
        checkpoint = _purge_batch(actor=actor, before=before, batch_size=batch_size, reason=reason)
        if checkpoint is None:
            break
        purged += checkpoint.rows_purged
        checkpoints.append(checkpoint.pk)
        if after_batch is not None:
            after_batch(checkpoint.rows_purged)
        if checkpoint.rows_purged < batch_size:
            break
    return AccessLogPurgeResult(purged=purged, checkpoints=checkpoints)
