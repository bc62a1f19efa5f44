"""Reads of the audit trail."""

from __future__ import annotations

import hmac
import re
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q, QuerySet
from django.utils import timezone

from apps.accounts.roles import Role
from apps.audit.models import GENESIS_HASH, AccessLog, AccessLogAnchor, AccessLogCheckpoint


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
    anchors_checked: int = 0
    anchored_seq: int | None = None
    anchored_hash: str = ""
    anchored_at: datetime | None = None
    last_seq: int | None = None
    oldest_unanchored_at: datetime | None = None

    @property
    def unanchored_rows(self) -> int:
        """Rows after the latest anchor: they verify as a chain, but only the next anchor can vouch for them."""
        if self.last_seq is None:
            return 0
        return self.last_seq - (self.anchored_seq or 0) if self.anchored_seq is not None else self.rows_checked


ANCHOR_FORGED = ("the signed anchor #{id} (row #{seq}, {at:%Y-%m-%d %H:%M %Z}) does not verify: forged, edited, or "
                 "signed with another key")
ANCHOR_REMOVED = ("the signed anchor #{id} (row #{seq}) does not follow the anchor before it: an anchor between them "
                  "was removed")
ANCHOR_BACKWARDS = "the signed anchor #{id} records row #{seq}, before the previous anchor's row #{previous}"
ANCHOR_ROW_MISMATCH = ("its hash does not match the signed anchor of {at:%Y-%m-%d %H:%M %Z}: this row or one before "
                       "it was rewritten and the hashes recomputed")
ANCHOR_TAIL_MISSING = ("rows {first}…{seq} are missing at the tail: the signed anchor of {at:%Y-%m-%d %H:%M %Z} "
                       "records row #{seq} (the log was truncated)")


@dataclass(frozen=True)
class _Anchors:
    expected: dict[int, tuple[str, AccessLogAnchor]]
    latest: AccessLogAnchor | None
    checked: int
    problem: str = ""
    problem_seq: int | None = None


def _verify_anchors() -> _Anchors:
    """Check the anchors (R-AUD-1b): each signature (HMAC under a key the database does not hold), each link to the
    previous anchor's signature, heads never going backwards. Returns the hash each anchored seq must have."""
    expected: dict[int, tuple[str, AccessLogAnchor]] = {}
    previous: AccessLogAnchor | None = None
    checked = 0
    for anchor in AccessLogAnchor.objects.order_by("id").iterator(chunk_size=2000):
        problem = ""
        if not hmac.compare_digest(anchor.compute_signature(), anchor.signature):
            problem = ANCHOR_FORGED.format(id=anchor.pk, seq=anchor.seq, at=timezone.localtime(anchor.anchored_at))
        elif anchor.previous_signature != (previous.signature if previous else ""):
            problem = ANCHOR_REMOVED.format(id=anchor.pk, seq=anchor.seq)
        elif previous is not None and anchor.seq < previous.seq:
            problem = ANCHOR_BACKWARDS.format(id=anchor.pk, seq=anchor.seq, previous=previous.seq)
        elif anchor.seq in expected and expected[anchor.seq][0] != anchor.row_hash:
            problem = ANCHOR_ROW_MISMATCH.format(at=timezone.localtime(anchor.anchored_at))
        if problem:
            return _Anchors(expected, previous, checked, problem, anchor.seq)
        expected[anchor.seq] = (anchor.row_hash, anchor)
        previous, checked = anchor, checked + 1
    return _Anchors(expected, previous, checked)


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
    """Recompute the hash chain and check it against the signed anchors; report the first row that does not fit.

    Rows purged by retention (R-AUD-1) are accounted for by signed checkpoints: the first remaining row must be the
    one right after the last checkpoint and link to the hash of the last purged row. Without a checkpoint, the log
    must start at row 1 with the genesis link, so removing the oldest rows is detected too. Each remaining row an
    anchor names must have the anchored hash, and the log must reach the latest anchor's row (R-AUD-1b): a truncated
    tail, or a row before the latest anchor rewritten with recomputed hashes, is reported with the row.
    """
    start_seq, start_hash, checkpoints, problem = _verify_checkpoints()
    if problem:
        return ChainVerification(False, 0, start_seq, None, problem, checkpoints, start_seq)
    anchors = _verify_anchors()
    latest = anchors.latest

    def result(ok, checked, seq=None, row_id=None, why="", last_seq=None, oldest_unanchored_at=None):
        return ChainVerification(
            ok, checked, seq, row_id, why, checkpoints, start_seq, anchors.checked,
            latest.seq if latest else None, latest.row_hash if latest else "", latest.anchored_at if latest else None,
            last_seq, oldest_unanchored_at,
        )

    if anchors.problem:
        return result(False, 0, anchors.problem_seq, None, anchors.problem)
    previous_hash = start_hash
    expected_seq = start_seq
    checked = 0
    oldest_unanchored_at = None
    for row in AccessLog.objects.order_by("seq").iterator(chunk_size=chunk_size):
        if checked == 0 and row.seq != expected_seq:
            where = f"after the purge checkpoint ending at {start_seq - 1}" if checkpoints else "at the start"
            return result(False, checked, row.seq, row.id,
                          f"rows {expected_seq}…{row.seq - 1} are missing {where} (no signed purge checkpoint covers "
                          "them)")
        if row.seq != expected_seq:
            return result(False, checked, row.seq, row.id,
                          f"rows {expected_seq}…{row.seq - 1} are missing before this row")
        if row.previous_hash != previous_hash:
            problem = ("it does not link to the last purged row recorded by the purge checkpoint"
                       if checked == 0 and checkpoints else
                       "the first row does not start the chain" if checked == 0
                       else "its link to the previous row does not match that row's hash")
            return result(False, checked, row.seq, row.id, problem)
        if row.compute_hash() != row.row_hash:
            return result(False, checked, row.seq, row.id,
                          "its content no longer matches its hash (the row was edited)")
        anchored = anchors.expected.get(row.seq)
        if anchored is not None and anchored[0] != row.row_hash:
            return result(False, checked, row.seq, row.id,
                          ANCHOR_ROW_MISMATCH.format(at=timezone.localtime(anchored[1].anchored_at)))
        if oldest_unanchored_at is None and (latest is None or row.seq > latest.seq):
            oldest_unanchored_at = row.occurred_at
        previous_hash = row.row_hash
        expected_seq = row.seq + 1
        checked += 1
    last_seq = expected_seq - 1 if checked else None
    if latest is not None and latest.seq >= start_seq and (last_seq is None or last_seq < latest.seq):
        first_missing = (last_seq or start_seq - 1) + 1
        return result(False, checked, first_missing, None,
                      ANCHOR_TAIL_MISSING.format(first=first_missing, seq=latest.seq,
                                                 at=timezone.localtime(latest.anchored_at)),
                      last_seq=last_seq)
    return result(True, checked, last_seq=last_seq, oldest_unanchored_at=oldest_unanchored_at)


HEAD_FORMAT = "A published head is written SEQ:HASH (e.g. 1234:9f86d081…, the 64-character row hash); got “{value}”."
HEAD_PROVEN = ("the log still contains row #{seq} with hash {hash}: nothing up to it was rewritten since it was "
               "published")
HEAD_PROVEN_PURGED = ("row #{seq} was purged by retention since, but the signed {what} records it with hash {hash}, "
                      "and the chain verifies from there")
HEAD_MISMATCH = ("row #{seq} now has hash {actual}, not the published {hash}: the log was rewritten at or before row "
                 "#{seq} since that head was published")
HEAD_MISSING = "row #{seq} is not in the log (the log ends at #{last}): the tail was truncated since it was published"
HEAD_UNPROVABLE = ("row #{seq} was purged and no signed anchor or purge checkpoint records it: the head cannot be "
                   "proven")


def access_log_parse_head(value: str) -> tuple[int, str]:
    """Parse a published head ``SEQ:HASH`` (R-AUD-1b); ValueError with HEAD_FORMAT when malformed."""
    match = re.fullmatch(r"\s*#?(\d{1,18})\s*:\s*((?:[0-9a-fA-F]\s*){64})", value or "")
    if not match:
        raise ValueError(HEAD_FORMAT.format(value=(value or "")[:100]))
    return int(match.group(1)), re.sub(r"\s+", "", match.group(2)).lower()


def access_log_verify_head(*, seq: int, row_hash: str, verification: ChainVerification | None = None
                           ) -> tuple[bool, str]:
    """Whether the current, verified chain still contains a head published earlier (on /transparency/ or in an
    issued report): the row at ``seq`` has ``row_hash``, or — purged since — a signed anchor or purge checkpoint
    records exactly that. Returns (proven, explanation)."""
    verification = verification or access_log_verify_chain()
    if not verification.ok:
        return False, f"the chain itself is broken at row #{verification.first_broken_seq}: {verification.problem}"
    row = AccessLog.objects.filter(seq=seq).values_list("row_hash", flat=True).first()
    if row is not None:
        if hmac.compare_digest(row, row_hash):
            return True, HEAD_PROVEN.format(seq=seq, hash=row_hash)
        return False, HEAD_MISMATCH.format(seq=seq, actual=row, hash=row_hash)
    if seq >= verification.starts_at_seq:
        return False, HEAD_MISSING.format(seq=seq, last=verification.last_seq or 0)
    if AccessLogAnchor.objects.filter(seq=seq, row_hash=row_hash).exists():
        return True, HEAD_PROVEN_PURGED.format(seq=seq, hash=row_hash, what="anchor")
    if AccessLogCheckpoint.objects.filter(seq_to=seq, last_row_hash=row_hash).exists():
        return True, HEAD_PROVEN_PURGED.format(seq=seq, hash=row_hash, what="purge checkpoint")
    return False, HEAD_UNPROVABLE.format(seq=seq)


def access_log_daily_counts(*, rows: QuerySet[AccessLog], days: int = 14) -> list[dict]:
    """Rows of the access log per day (the agency's days) over the last ``days`` days, zero days included, for the
    chart on the access-log page; ``rows`` is what the person may see, already filtered."""
    from datetime import timedelta

    from django.db.models import Count
    from django.db.models.functions import TruncDate

    today = timezone.localdate()
    first = today - timedelta(days=days - 1)
    start = timezone.make_aware(datetime.combine(first, datetime.min.time()))
    counted = dict(rows.filter(occurred_at__gte=start).order_by()
                   .annotate(day=TruncDate("occurred_at", tzinfo=timezone.get_current_timezone()))
                   .values_list("day").annotate(n=Count("pk")).values_list("day", "n"))
    return [{"day": f"{first + timedelta(days=i):%m-%d}", "count": counted.get(first + timedelta(days=i), 0)}
            for i in range(days)]
