"""The supervisor's and the custodian's decisions on an evidence hold: approve, deny, verify, refuse verification,
record the booking number."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from apps.accounts.roles import Role
from apps.audit.transitions import row_lock, transition_apply, transition_check
from apps.common.errors import ApplicationError, PermissionDeniedError
from apps.holds.choices import HoldStatus
from apps.holds.models import EvidenceHold
from apps.holds.services.alerts import hold_alerts_resolve, hold_notify
from apps.holds.services.machine import EVENT_PREFIX, ILLEGAL_TRANSITION, LOCK_RELATED, hold_event_record, hold_machine
from apps.notifications.models import Severity
from apps.notifications.services import notification_send_on_commit

SELF_DECISION = "You cannot approve or deny your own evidence hold; the requester's supervisor decides."
NOT_THE_SUPERVISOR = "Only the requester's supervisor ({name}) may approve or deny this hold."
DENY_REASON_REQUIRED = "Give the reason for denying the hold."
# R-RET-3a: the custodian of records verifies extended-retention requests (004 §XI).
VERIFY_NOT_ALLOWED = "Only the custodian of records verifies extended-retention requests (policy 004 §XI)."
VERIFY_OWN_HOLD = "You requested or approved this hold; another custodian of records must verify it."
VERIFY_REFUSE_REASON_REQUIRED = "Give the reason the request cannot be verified; the requester reads it."
DENY_ONLY_PENDING = "This hold is {status}; the supervisor decides only a request that waits for them."
BOOKING_NOT_ALLOWED = "Only the requester, their supervisor or the custodian of records may record the booking number."
BOOKING_NUMBER_REQUIRED = "Give the evidence booking item number."
BOOKING_ONLY_HOLDING = "This hold is {status}; a booking number is recorded only on a hold that is waiting or active."


def _require_decider(actor, hold: EvidenceHold) -> None:
    if actor.pk == hold.requested_by_id:
        raise PermissionDeniedError(SELF_DECISION, code="self_decision")
    current_supervisor = hold.requested_by.supervisor_id
    if not actor.has_perm("holds.approve_evidencehold") or actor.pk not in {hold.approver_id, current_supervisor}:
        raise PermissionDeniedError(NOT_THE_SUPERVISOR.format(name=hold.approver), code="not_the_supervisor")


def hold_approve(*, actor, hold: EvidenceHold, note: str = "") -> EvidenceHold:
    """The requester's supervisor approves (R-RET-3): the request goes to the custodian of records, who verifies it
    (R-RET-3a, ``hold_verify``) before it is active. Refuses self-approval, anyone but the supervisor, and any hold
    not pending."""
    with transaction.atomic():
        hold = row_lock(hold, related=LOCK_RELATED)
        _require_decider(actor, hold)
        transition_check(hold, HoldStatus.VERIFYING, **hold_machine("approved"))
        hold.decided_by, hold.decided_at, hold.decision_note = actor, timezone.now(), (note or "").strip()
        transition_apply(hold, HoldStatus.VERIFYING, actor=actor, event_code=f"{EVENT_PREFIX}.approved",
                         update_fields=["decided_by", "decided_at", "decision_note"],
                         data={"case_number": hold.case_number, "note": hold.decision_note}, **hold_machine("approved"))
        hold_alerts_resolve(hold, "requested")
        hold_notify([hold.requested_by], hold=hold, key="approved",
                title=f"Evidence hold {hold.reference} approved by your supervisor",
                body="The custodian of records verifies the request next; its reads stay protected meanwhile.")
        link = reverse("holds:detail", args=[hold.pk])
        notification_send_on_commit(
            roles=[Role.CUSTODIAN], severity=Severity.WARNING, link=link, dedupe_key=f"holds.{hold.pk}.verify",
            title=f"Evidence hold {hold.reference} waits for your verification",
            body=f"Case {hold.case_number}, {hold.get_ground_display().lower()}: {hold.read_count} read(s).")
    return hold


def _require_verifier(actor, hold: EvidenceHold) -> None:
    if not (actor.is_authenticated and actor.has_perm("holds.verify_evidencehold")):
        raise PermissionDeniedError(VERIFY_NOT_ALLOWED, code="verify_not_allowed")
    if actor.pk in {hold.requested_by_id, hold.decided_by_id}:
        raise PermissionDeniedError(VERIFY_OWN_HOLD, code="verify_own_hold")


def hold_verify(*, actor, hold: EvidenceHold, note: str = "", evidence_booking_number: str = "") -> EvidenceHold:
    """R-RET-3a: the custodian of records verifies an extended-retention request the supervisor approved (004 §XI):
    the hold becomes active (due for re-affirmation in a year), with the evidence booking item number if known.
    Refuses, changing nothing: someone without ``holds.verify_evidencehold``, the requester or the approving
    supervisor, and any hold not waiting for verification."""
    with transaction.atomic():
        hold = row_lock(hold, related=LOCK_RELATED)
        _require_verifier(actor, hold)
        if hold.status != HoldStatus.VERIFYING:
            raise ApplicationError(ILLEGAL_TRANSITION.format(status=hold.get_status_display().lower(),
                                                             verb="verified"), code="illegal_transition")
        hold.verified_by, hold.verified_at, hold.verification_note = actor, timezone.now(), (note or "").strip()
        booking = (evidence_booking_number or "").strip()[:64]
        if booking:
            hold.evidence_booking_number = booking
        hold.reaffirm_due_on = timezone.localdate() + timedelta(days=settings.PORTAL["HOLD_REAFFIRM_DAYS"])
        transition_apply(hold, HoldStatus.ACTIVE, actor=actor, event_code=f"{EVENT_PREFIX}.verified",
                         update_fields=["verified_by", "verified_at", "verification_note", "evidence_booking_number",
                                        "reaffirm_due_on"],
                         data={"case_number": hold.case_number, "note": hold.verification_note,
                               "evidence_booking_number": hold.evidence_booking_number,
                               "reaffirm_due_on": hold.reaffirm_due_on}, **hold_machine("verified"))
        hold_alerts_resolve(hold, "verify")
        hold_notify([hold.requested_by, hold.approver], hold=hold, key="verified",
                title=f"Evidence hold {hold.reference} verified and active",
                body=f"{hold.read_count} read(s) of case {hold.case_number} are kept until the hold is released.")
    return hold


def hold_verify_refuse(*, actor, hold: EvidenceHold, reason: str) -> EvidenceHold:
    """R-RET-3a: the custodian of records cannot verify the request (e.g. no lawful ground): it is denied with the
    reason; its reads fall back to normal retention on the next run. Same refusals as ``hold_verify``, and a reason
    is required."""
    reason = (reason or "").strip()
    with transaction.atomic():
        hold = row_lock(hold, related=LOCK_RELATED)
        _require_verifier(actor, hold)
        if hold.status != HoldStatus.VERIFYING:
            raise ApplicationError(ILLEGAL_TRANSITION.format(status=hold.get_status_display().lower(),
                                                             verb="refused"), code="illegal_transition")
        if not reason:
            raise ApplicationError(VERIFY_REFUSE_REASON_REQUIRED, code="verify_reason_required")
        hold.verified_by, hold.verified_at, hold.verification_note = actor, timezone.now(), reason
        transition_apply(hold, HoldStatus.DENIED, actor=actor, event_code=f"{EVENT_PREFIX}.verification_refused",
                         update_fields=["verified_by", "verified_at", "verification_note"],
                         data={"case_number": hold.case_number, "reason": reason}, **hold_machine("refused"))
        hold_alerts_resolve(hold, "verify")
        hold_notify([hold.requested_by, hold.approver], hold=hold, key="verification_refused",
                title=f"Evidence hold {hold.reference} not verified", body=reason[:500], severity=Severity.WARNING)
    return hold


def hold_booking_record(*, actor, hold: EvidenceHold, evidence_booking_number: str) -> EvidenceHold:
    """R-RET-3a: record the evidence booking item number under which the held data (on portable media) was booked
    into evidence (000 462.4, 003 427.4), by the requester, their supervisor or the custodian of records."""
    from apps.holds.choices import HOLDING_STATUSES

    booking = (evidence_booking_number or "").strip()
    with transaction.atomic():
        hold = row_lock(hold, related=LOCK_RELATED)
        if not (actor.pk in {hold.requested_by_id, hold.approver_id, hold.requested_by.supervisor_id}
                or actor.has_perm("holds.verify_evidencehold")):
            raise PermissionDeniedError(BOOKING_NOT_ALLOWED, code="booking_not_allowed")
        if hold.status not in HOLDING_STATUSES:
            raise ApplicationError(BOOKING_ONLY_HOLDING.format(status=hold.get_status_display().lower()),
                                   code="illegal_transition")
        if not booking:
            raise ApplicationError(BOOKING_NUMBER_REQUIRED, code="booking_number_required")
        old = hold.evidence_booking_number
        hold.evidence_booking_number = booking[:64]
        hold.full_clean()
        hold.save(update_fields=["evidence_booking_number"])
        hold_event_record(hold, actor=actor, verb="booking_recorded", old=hold.status,
               data={"old_booking_number": old, "new_booking_number": hold.evidence_booking_number})
    return hold


def hold_deny(*, actor, hold: EvidenceHold, reason: str) -> EvidenceHold:
    """The requester's supervisor denies the request, with a reason; its reads fall back to normal retention."""
    reason = (reason or "").strip()
    with transaction.atomic():
        hold = row_lock(hold, related=LOCK_RELATED)
        _require_decider(actor, hold)
        if hold.status != HoldStatus.PENDING:
            raise ApplicationError(DENY_ONLY_PENDING.format(status=hold.get_status_display().lower()),
                                   code="illegal_transition")
        if not reason:
            raise ApplicationError(DENY_REASON_REQUIRED, code="deny_reason_required")
        hold.decided_by, hold.decided_at, hold.decision_note = actor, timezone.now(), reason
        transition_apply(hold, HoldStatus.DENIED, actor=actor, event_code=f"{EVENT_PREFIX}.denied",
                         update_fields=["decided_by", "decided_at", "decision_note"],
                         data={"case_number": hold.case_number, "reason": reason}, **hold_machine("denied"))
        hold_alerts_resolve(hold, "requested")
        hold_notify([hold.requested_by], hold=hold, key="denied", title=f"Evidence hold {hold.reference} denied",
                body=reason[:500], severity=Severity.WARNING)
    return hold
