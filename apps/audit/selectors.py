"""Reads of the audit trail."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q, QuerySet

from apps.accounts.roles import Role
from apps.audit.models import GENESIS_HASH, AccessLog, AccessLogCheckpoint


def access_log_list_visible_to(*, user) -> QuerySet[AccessLog]:
    """Access-log rows a person may review: administrators and the custodian see all; a supervisor sees their own
    and their direct reports' rows (R-AUD-3 spot audits); everyone else sees none."""
    rows = AccessLog.objects.select_related("agency")
    if not user.is_authenticated or not user.has_perm("audit.view_accesslog"):
        return rows.none()
    if user.has_role(Role.SYSADMIN, Role.CUSTODIAN):
        return rows
    if user.has_role(Role.SUPERVISOR):
        return rows.filter(Q(user=user) | Q(user__supervisor=user))
    return rows.none()


@dataclass(frozen=True)
class ChainVerification:
    ok: bool
    rows_checked: int
    first_broken_seq: int | None = None
    first_broken_id: int | None = None
    problem: str = ""
    checkpoints_checked: int = 0
    starts_at_seq: int = 1


def _verify_checkpoints() -> tuple[int, str, int, str]:
    """Check the purge checkpoints (apps.audit.purge): contiguous from row 1, chained, correctly signed.

    Returns (first seq expected in the log, the hash it must link to, checkpoints checked, problem or "").
    """
    expected_from, link_hash, previous_signature, checked = 1, GENESIS_HASH, "", 0
    for checkpoint in AccessLogCheckpoint.objects.order_by("seq_to"):
        label = f"purge checkpoint of rows {checkpoint.seq_from}…{checkpoint.seq_to}"
        if checkpoint.compute_signature() != checkpoint.signature:
            return expected_from, link_hash, checked, f"the {label} is not correctly signed (forged or edited)"
        if checkpoint.seq_from != expected_from or checkpoint.previous_signature != previous_signature:
            return expected_from, link_hash, checked, f"the {label} does not follow the previous checkpoint"
        if checkpoint.first_previous_hash != link_hash:
            return expected_from, link_hash, checked, f"the {label} does not link to the rows purged before it"
        expected_from, link_hash = checkpoint.seq_to + 1, checkpoint.last_row_hash
        previous_signature, checked = checkpoint.signature, checked + 1
    return expected_from, link_hash, checked, ""


def access_log_verify_chain(*, chunk_size: int = 5000) -> ChainVerification:
    """Recompute the hash chain; report the first row whose hash or link does not fit.

    Rows purged by retention (R-AUD-1) are accounted for by signed checkpoints: the first remaining row must be the
    one right after the last checkpoint and link to the hash of the last purged row. Without a checkpoint, the log
    must start at row 1 with the genesis link, so removing the oldest rows is detected too.
    """
    start_seq, start_hash, checkpoints, problem = _verify_checkpoints()
    if problem:
        return ChainVerification(False, 0, start_seq, None, problem, checkpoints, start_seq)
    previous_hash = start_hash
    expected_seq = start_seq
    checked = 0
    for row in AccessLog.objects.order_by("seq").iterator(chunk_size=chunk_size):
        if checked == 0 and row.seq != expected_seq:
            where = f"after the purge checkpoint ending at {start_seq - 1}" if checkpoints else "at the start"
            return ChainVerification(
                False, checked, row.seq, row.id,
                f"rows {expected_seq}…{row.seq - 1} are missing {where} (no signed purge checkpoint covers them)",
                checkpoints, start_seq,
            )
        if row.seq != expected_seq:
            return ChainVerification(
                False, checked, row.seq, row.id, f"rows {expected_seq}…{row.seq - 1} are missing before this row",
                checkpoints, start_seq,
            )
        if row.previous_hash != previous_hash:
            problem = ("it does not link to the last purged row recorded by the purge checkpoint"
                       if checked == 0 and checkpoints else
                       "the first row does not start the chain" if checked == 0
                       else "its link to the previous row does not match that row's hash")
            return ChainVerification(False, checked, row.seq, row.id, problem, checkpoints, start_seq)
        if row.compute_hash() != row.row_hash:
            return ChainVerification(
                False, checked, row.seq, row.id, "its content no longer matches its hash (the row was edited)",
                checkpoints, start_seq,
            )
        previous_hash = row.row_hash
        expected_seq = row.seq + 1
        checked += 1
    return ChainVerification(True, checked, checkpoints_checked=checkpoints, starts_at_seq=start_seq)
