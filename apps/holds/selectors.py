"""Reads of evidence holds: who sees which holds (R-ACC-4), the reads a hold covers (a logged access, R-READ-3),
the holds covering a read, and the SQL predicate nightly retention uses to skip held reads (R-RET-3)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from guardian.shortcuts import get_objects_for_user

from apps.accounts.roles import Role
from apps.audit.services import access_log_record
from apps.holds.choices import WAITING_STATUSES, HoldStatus
from apps.holds.models import EvidenceExport, EvidenceHold, HeldRead
from apps.reads.archive import reads_archived_on_set

VIEW_PERMISSION = "holds.view_evidencehold"


def read_held_sql(alias: str = "r", *, as_of=None, per_read: bool = False) -> str:
    """SQL true when the read ``alias`` is covered by a hold retention must respect: an active hold, or one still
    waiting (supervisor or custodian) that was requested less than HOLD_PENDING_PROTECT_DAYS before ``as_of`` (the
    run's moment; default now) — a request left waiting longer stops protecting (R-RET-3a).
    Used inside set-based UPDATE/DELETE statements as ``AND NOT <this>``; no parameters (the cutoff is a timestamp
    literal computed here, never user input)."""
    as_of = as_of or timezone.now()
    cutoff = (as_of - timedelta(days=settings.PORTAL["HOLD_PENDING_PROTECT_DAYS"])).isoformat()
    waiting = ", ".join(f"'{status}'" for status in WAITING_STATUSES)  # fixed enum values, never user input
    # per_read: the retention batches run with hash and merge joins off (their join back by ctid must be a nested
    # loop); as a join, "not held" could then become a scan of every held read for each read of the batch (measured:
    # 2,000 reads x 10,000 held = 20M comparisons, 11 s a batch). OFFSET 0 keeps the EXISTS a subquery PostgreSQL
    # will not turn into a join: one probe of holds_heldread's read_id index per read, whatever the statistics.
    probe = " OFFSET 0" if per_read else ""
    return (f"EXISTS (SELECT 1 FROM holds_heldread hr JOIN holds_evidencehold h ON h.id = hr.hold_id "  # noqa: S608
            f"WHERE hr.read_id = {alias}.id AND (h.status = '{HoldStatus.ACTIVE}' "
            f"OR (h.status IN ({waiting}) AND h.requested_at >= '{cutoff}'::timestamptz)){probe})")


def hold_list_visible_to(*, user) -> QuerySet[EvidenceHold]:
    """Holds a person may see (R-ACC-4): custodian and administrator all; a supervisor their own and their team's
    (and those they must decide); an investigator their own and those shared with them (django-guardian object
    permission). Everyone else: none — a hidden hold is a 404."""
    holds = EvidenceHold.objects.select_related("requested_by", "approver", "decided_by", "released_by")
    if not user.is_authenticated or not user.is_active or not user.has_perm(VIEW_PERMISSION):
        return holds.none()
    if user.has_role(Role.CUSTODIAN, Role.SYSADMIN):
        return holds
    mine = Q(requested_by=user)
    if user.has_role(Role.SUPERVISOR):
        mine |= Q(requested_by__supervisor=user) | Q(approver=user)
    shared = get_objects_for_user(user, VIEW_PERMISSION, klass=EvidenceHold, accept_global_perms=False)
    return holds.filter(mine | Q(pk__in=shared.values("pk"))).distinct()


def hold_get_visible(*, user, hold_id: int) -> EvidenceHold:
    """One hold the person may see, or EvidenceHold.DoesNotExist (a 404, never a 403)."""
    return hold_list_visible_to(user=user).get(pk=hold_id)


def holds_waiting_for(*, user) -> QuerySet[EvidenceHold]:
    """Pending holds this supervisor must decide."""
    return hold_list_visible_to(user=user).filter(status=HoldStatus.PENDING).filter(
        Q(approver=user) | Q(requested_by__supervisor=user)).exclude(requested_by=user).order_by("requested_at")


def holds_waiting_for_verification(*, user) -> QuerySet[EvidenceHold]:
    """Holds approved by the supervisor that wait for the custodian's verification (R-RET-3a)."""
    if not user.has_perm("holds.verify_evidencehold"):
        return EvidenceHold.objects.none()
    return hold_list_visible_to(user=user).filter(status=HoldStatus.VERIFYING).order_by("decided_at")


def holds_due_for_reaffirmation(*, user, within_days: int | None = None) -> QuerySet[EvidenceHold]:
    days = settings.PORTAL["HOLD_REAFFIRM_NOTICE_DAYS"] if within_days is None else within_days
    horizon = timezone.localdate() + timedelta(days=days)
    return hold_list_visible_to(user=user).filter(status=HoldStatus.ACTIVE, reaffirm_due_on__lte=horizon
                                                  ).order_by("reaffirm_due_on")


def hold_list_for_read(*, user, read_id: int) -> list[EvidenceHold]:
    """The holds (visible to this person) that cover a read — for the read detail page."""
    hold_ids = HeldRead.objects.filter(read_id=read_id).values("hold_id")
    return list(hold_list_visible_to(user=user).filter(pk__in=hold_ids).order_by("-requested_at"))


@dataclass
class HeldReadRow:
    held: HeldRead
    read: object | None  # the Read, or None when purged (or archived and hidden from this person)
    state: str  # "present", "archived", "purged"


@dataclass
class HoldReadsPage:
    rows: list[HeldReadRow]
    total: int
    present: int
    archived_hidden: int
    purged: int


def hold_reads_for(*, user, hold: EvidenceHold, request=None, limit: int = 500) -> HoldReadsPage:
    """The reads a hold covers. Showing them is an access of read data: written to the access log (the hold's
    purpose and case number, R-READ-3) before anything is returned. Archived reads are shown to administrators
    only (R-RET-1); purged reads are listed from the copy the hold kept."""
    from apps.reads.selectors import read_is_admin, reads_in_their_months

    with transaction.atomic():
        held = list(hold.held_reads.all()[:limit])
        total = hold.held_reads.count()
        # Each read in its own month (the hold keeps its capture time): by id alone, a hold of 500 reads probed every
        # month's primary key 500 times (issue #19).
        reads = reads_in_their_months([(h.read_id, h.captured_at) for h in held])
        access_log_record(
            user=user, action="holds.view",
            data_elements={"hold": hold.reference, "hold_id": hold.pk, "reads_listed": len(held)},
            purpose=hold.purpose, case_number=hold.case_number, result_count=total, request=request,
        )
    admin = read_is_admin(user)
    reads_archived_on_set(reads.values())
    rows, archived_hidden, purged = [], 0, 0
    for item in held:
        read = reads.get(item.read_id)
        if read is None:
            purged += 1
            rows.append(HeldReadRow(item, None, "purged"))
        elif read.archived_on and not admin:  # R-RET-1
            archived_hidden += 1
            rows.append(HeldReadRow(item, None, "archived"))
        else:
            rows.append(HeldReadRow(item, read, "archived" if read.archived_on else "present"))
    return HoldReadsPage(rows=rows, total=total, present=len(held) - purged - archived_hidden,
                         archived_hidden=archived_hidden, purged=purged)


def evidence_export_list_for(*, hold: EvidenceHold) -> QuerySet[EvidenceExport]:
    return hold.exports.select_related("requested_by").order_by("-queued_at")[:10]
