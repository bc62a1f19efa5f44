"""Requesting an evidence hold: who may, and the reads its scope names."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from guardian.shortcuts import assign_perm

from apps.audit.choices import Purpose
from apps.audit.services import access_log_record
from apps.common.errors import ApplicationError, PermissionDeniedError
from apps.holds.choices import HoldGround, HoldStatus, ScopeKind
from apps.holds.models import EvidenceHold, HeldRead
from apps.holds.reads_bridge import hold_scope_search_rows, hold_scope_selected, reads_of_rows
from apps.holds.selectors import VIEW_PERMISSION
from apps.holds.services.alerts import hold_notify
from apps.holds.services.machine import hold_event_record
from apps.notifications.models import Severity

REQUEST_NOT_ALLOWED = "You may not request evidence holds."
CASE_NUMBER_REQUIRED = "A case number is required for an evidence hold."
REASON_REQUIRED = "The specific reason for keeping the reads is required."
CONTACT_REQUIRED = "Your contact information is required, so the custodian can reach you about the hold."
GROUND_INVALID = "Choose the ground for the hold from the list."
PURPOSE_INVALID = "Choose an authorized purpose (R-PURP)."
CONCURRENCE_REQUIRED = (
    "A hold by executive direction needs the Division Chief's (or Director's) written concurrence: their name and "
    "the statement."
)
NO_SUPERVISOR = "You have no supervisor on record to approve an evidence hold; ask an administrator to set one."
SCOPE_REQUIRED = "Name the reads to hold: select reads, or give a plate and a time range."
SCOPE_EMPTY = "The scope matches no reads; nothing was placed on hold."
SCOPE_TOO_LARGE = (
    "The scope matches {count:,} reads; a hold may cover at most {limit:,}. Narrow the plate, time or cameras."
)
SCOPE_NOT_VISIBLE = "Read(s) {ids} are not available to you (archived reads can be held by a system administrator)."
NOTHING_TO_HOLD_PURGED = (
    "Nothing to hold: the reads you named no longer exist — they were purged under the retention policy{detail}."
)


def _purge_horizon() -> datetime:
    from apps.retention.selectors import retention_policy_current

    policy = retention_policy_current()
    return timezone.now() - timedelta(days=policy.read_purge_after_days)


def _resolve_scope(*, actor, scope_kind, read_ids, plate, time_from, time_to, camera_ids, limit) -> tuple[list, dict]:
    """((id, captured_at) of the reads the scope names, the data elements to log). The capture times let the reads
    be looked up each in its own month (issue #19): by id alone every month's key is probed for every id."""
    if scope_kind == ScopeKind.READS:
        if not read_ids:
            raise ApplicationError(SCOPE_REQUIRED, code="scope_required")
        if len(set(read_ids)) > limit:  # refused before looking any up: a list of 100,000 ids took 45 s of lookups
            raise ApplicationError(SCOPE_TOO_LARGE.format(count=len(set(read_ids)), limit=limit),
                                   code="scope_too_large")
        visible, hidden, missing = hold_scope_selected(user=actor, read_ids=read_ids)
        if missing and not visible and not hidden:
            raise ApplicationError(NOTHING_TO_HOLD_PURGED.format(detail=f" (read {', '.join(map(str, missing))})"),
                                   code="nothing_to_hold")
        if hidden or missing:
            raise ApplicationError(SCOPE_NOT_VISIBLE.format(ids=", ".join(map(str, hidden + missing))),
                                   code="scope_not_visible")
        if len(visible) > limit:
            raise ApplicationError(SCOPE_TOO_LARGE.format(count=len(visible), limit=limit), code="scope_too_large")
        return visible, {"read_ids": [pk for pk, _ in visible]}
    if scope_kind != ScopeKind.SEARCH or not (plate or "").strip() or not time_from or not time_to:
        raise ApplicationError(SCOPE_REQUIRED, code="scope_required")
    total, rows, elements = hold_scope_search_rows(user=actor, plate=plate, time_from=time_from, time_to=time_to,
                                                   camera_ids=camera_ids or (), limit=limit)
    if total == 0:
        horizon = _purge_horizon()
        if time_to <= horizon:
            raise ApplicationError(NOTHING_TO_HOLD_PURGED.format(
                detail=f" (reads captured before {timezone.localtime(horizon):%Y-%m-%d} are purged)"),
                code="nothing_to_hold")
        raise ApplicationError(SCOPE_EMPTY, code="scope_empty")
    if total > limit:
        raise ApplicationError(SCOPE_TOO_LARGE.format(count=total, limit=limit), code="scope_too_large")
    return rows, elements


def hold_request(
    *, actor, case_number: str, reason: str, ground: str, contact: str, scope_kind: str,
    purpose: str = Purpose.PROSECUTION_OR_EXONERATION, read_ids: Iterable[int] = (), plate: str = "",
    time_from: datetime | None = None, time_to: datetime | None = None, camera_ids: Iterable[int] = (),
    concurrence_by: str = "", concurrence_statement: str = "", evidence_booking_number: str = "", request=None,
) -> EvidenceHold:
    """An investigator's written request to keep reads past retention (R-RET-3; policy 004 §VI).

    Resolves the scope with the reads app's search and records the covered reads (``HeldRead``); resolving it is an
    access of read data, logged with the hold's purpose and case number (R-READ-3). The hold waits for the
    requester's supervisor, who is alerted; meanwhile its reads are already protected from retention. Refuses,
    changing nothing: no permission, missing case number, reason, contact or ground, executive direction without
    concurrence, no supervisor, an empty scope, a scope over HOLD_MAX_READS, and reads already purged.
    """
    if not actor.has_perm("holds.add_evidencehold"):
        raise PermissionDeniedError(REQUEST_NOT_ALLOWED, code="request_not_allowed")
    case_number, reason, contact = (case_number or "").strip(), (reason or "").strip(), (contact or "").strip()
    concurrence_by, concurrence_statement = (concurrence_by or "").strip(), (concurrence_statement or "").strip()
    if not case_number:
        raise ApplicationError(CASE_NUMBER_REQUIRED, code="case_number_required")
    if not reason:
        raise ApplicationError(REASON_REQUIRED, code="reason_required")
    if not contact:
        raise ApplicationError(CONTACT_REQUIRED, code="contact_required")
    if ground not in HoldGround.values:
        raise ApplicationError(GROUND_INVALID, code="ground_invalid")
    if purpose not in Purpose.values:
        raise ApplicationError(PURPOSE_INVALID, code="purpose_invalid")
    if ground == HoldGround.EXECUTIVE_DIRECTION and not (concurrence_by and concurrence_statement):
        raise ApplicationError(CONCURRENCE_REQUIRED, code="concurrence_required")
    supervisor = actor.supervisor
    if supervisor is None or not supervisor.is_active or supervisor.pk == actor.pk:
        raise ApplicationError(NO_SUPERVISOR, code="no_supervisor")

    limit = settings.PORTAL["HOLD_MAX_READS"]
    with transaction.atomic():
        rows, elements = _resolve_scope(actor=actor, scope_kind=scope_kind, read_ids=list(read_ids), plate=plate,
                                        time_from=time_from, time_to=time_to, camera_ids=list(camera_ids),
                                        limit=limit)
        ids = [pk for pk, _ in rows]
        hold = EvidenceHold(
            case_number=case_number[:64], reason=reason, ground=ground, purpose=purpose, contact=contact[:200],
            concurrence_by=concurrence_by[:150], concurrence_statement=concurrence_statement, scope_kind=scope_kind,
            scope_plate=(plate or "").strip().upper()[:32] if scope_kind == ScopeKind.SEARCH else "",
            scope_time_from=time_from if scope_kind == ScopeKind.SEARCH else None,
            scope_time_to=time_to if scope_kind == ScopeKind.SEARCH else None,
            scope_camera_ids=sorted({int(c) for c in camera_ids}) if scope_kind == ScopeKind.SEARCH else [],
            read_count=len(ids), requested_by=actor, approver=supervisor, status=HoldStatus.PENDING,
            evidence_booking_number=(evidence_booking_number or "").strip()[:64],
        )
        hold.full_clean()
        hold.save()
        access_log_record(user=actor, action="holds.request",
                          data_elements={"hold": hold.reference, "scope": scope_kind, **elements},
                          purpose=purpose, case_number=case_number, result_count=len(ids), request=request)
        reads = reads_of_rows(rows)
        HeldRead.objects.bulk_create([
            HeldRead(hold=hold, read_id=pk, plate=reads[pk].plate_current, captured_at=reads[pk].captured_at,
                     camera_name=reads[pk].camera.name[:120]) for pk in ids if pk in reads], batch_size=1000)
        assign_perm(VIEW_PERMISSION, actor, hold)
        hold_event_record(hold, actor=actor, verb="requested", old="", data={"ground": ground, "read_count": len(ids),
                                                                  "approver": supervisor.get_username()})
        hold_notify([supervisor], hold=hold, key="requested", severity=Severity.WARNING,
                title=f"Evidence hold {hold.reference} waits for your approval",
                body=f"{actor} asks to keep {len(ids)} read(s) for case {case_number}: {reason[:200]}")
    return hold
