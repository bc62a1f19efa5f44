"""Reads of the audit trail."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q, QuerySet

from apps.accounts.roles import Role
from apps.audit.models import GENESIS_HASH, AccessLog


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


def access_log_verify_chain(*, chunk_size: int = 5000) -> ChainVerification:
    """Recompute the hash chain from the first row; report the first row whose hash or link does not fit."""
    previous_hash = None
    expected_seq = None
    checked = 0
    for row in AccessLog.objects.order_by("seq").iterator(chunk_size=chunk_size):
        if previous_hash is None:
            # The first remaining row: the genesis, or (after a retention purge) a checkpointed later row.
            previous_hash, expected_seq = row.previous_hash, row.seq
            if row.seq == 1 and row.previous_hash != GENESIS_HASH:
                return ChainVerification(False, checked, row.seq, row.id, "the first row does not start the chain")
        if row.seq != expected_seq:
            return ChainVerification(
                False, checked, row.seq, row.id, f"rows {expected_seq}…{row.seq - 1} are missing before this row"
            )
        if row.previous_hash != previous_hash:
            return ChainVerification(
                False, checked, row.seq, row.id, "its link to the previous row does not match that row's hash"
            )
        if row.compute_hash() != row.row_hash:
            return ChainVerification(
                False, checked, row.seq, row.id, "its content no longer matches its hash (the row was edited)"
            )
        previous_hash = row.row_hash
        expected_seq = row.seq + 1
        checked += 1
    return ChainVerification(True, checked)
