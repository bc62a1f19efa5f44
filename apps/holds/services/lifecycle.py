"""An active evidence hold's life: release, re-affirm, share, and the re-affirmation reminder."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from guardian.shortcuts import assign_perm

from apps.accounts.roles import Role
from apps.audit.services import event_record
from apps.audit.transitions import row_lock, transition_apply, transition_check
from apps.common.errors import ApplicationError, PermissionDeniedError
from apps.holds.choices import HoldStatus
from apps.holds.models import EvidenceHold
from apps.holds.selectors import VIEW_PERMISSION
from apps.holds.services.alerts import hold_alerts_resolve, hold_notify
from apps.holds.services.machine import EVENT_PREFIX, ILLEGAL_TRANSITION, LOCK_RELATED, hold_event_record, hold_machine
from apps.notifications.models import Severity

RELEASE_NOT_AUTHORIZED = (
    "You are not authorized to release this hold: the requester's supervisor, the custodian of records or a system "
    "administrator releases holds."
)
RELEASE_REASON_REQUIRED = "Give the reason for releasing the hold (e.g. the case reached final disposition)."
REAFFIRM_NOT_ALLOWED = "Only the requester or their supervisor may re-affirm this hold."
SHARE_NOT_ALLOWED = "Only the requester, their supervisor or an administrator may share this hold."
SHARE_TARGET_INVALID = "{person} cannot be given this hold: share it with an active investigator or supervisor."


def may_release(actor, hold: EvidenceHold) -> bool:
    if not actor.has_perm("holds.release_evidencehold"):
        return False
    if actor.has_role(Role.CUSTODIAN, Role.SYSADMIN):
        return True
    return actor.pk in {hold.approver_id, hold.requested_by.supervisor_id}


def hold_release(*, actor, hold: EvidenceHold, reason: str) -> EvidenceHold:
    """Someone authorized (the requester's supervisor, the custodian of records, a system administrator) releases an
    active hold with a reason. Nothing is deleted now: the reads fall back to normal retention and the next nightly
    run archives or purges them if their periods have passed (R-RET-3)."""
    reason = (reason or "").strip()
    with transaction.atomic():
        hold = row_lock(hold, related=LOCK_RELATED)
        if not may_release(actor, hold):
            raise PermissionDeniedError(RELEASE_NOT_AUTHORIZED, code="release_not_authorized")
        transition_check(hold, HoldStatus.RELEASED, **hold_machine("released"))
        if not reason:
            raise ApplicationError(RELEASE_REASON_REQUIRED, code="release_reason_required")
        hold.released_by, hold.released_at, hold.release_reason = actor, timezone.now(), reason
        transition_apply(hold, HoldStatus.RELEASED, actor=actor, event_code=f"{EVENT_PREFIX}.released",
                         update_fields=["released_by", "released_at", "release_reason"],
                         data={"case_number": hold.case_number, "reason": reason}, **hold_machine("released"))
        hold_alerts_resolve(hold, "requested", "verify", "reaffirm.")
        hold_notify([hold.requested_by, hold.approver], hold=hold, key="released",
                title=f"Evidence hold {hold.reference} released",
                body=f"Released by {actor}: {reason[:300]}. Its reads now follow normal retention.")
    return hold


def hold_reaffirm(*, actor, hold: EvidenceHold, note: str = "") -> EvidenceHold:
    """The yearly re-affirmation of an active hold, by the requester or their supervisor: due again in a year."""
    with transaction.atomic():
        hold = row_lock(hold, related=LOCK_RELATED)
        if actor.pk not in {hold.requested_by_id, hold.approver_id, hold.requested_by.supervisor_id}:
            raise PermissionDeniedError(REAFFIRM_NOT_ALLOWED, code="reaffirm_not_allowed")
        if hold.status != HoldStatus.ACTIVE:
            raise ApplicationError(ILLEGAL_TRANSITION.format(status=hold.get_status_display().lower(),
                                                             verb="re-affirmed"), code="illegal_transition")
        old_due = hold.reaffirm_due_on
        hold.last_reaffirmed_at, hold.last_reaffirmed_by = timezone.now(), actor
        hold.reaffirm_due_on = timezone.localdate() + timedelta(days=settings.PORTAL["HOLD_REAFFIRM_DAYS"])
        hold.full_clean()
        hold.save(update_fields=["last_reaffirmed_at", "last_reaffirmed_by", "reaffirm_due_on"])
        hold_alerts_resolve(hold, "reaffirm.")
        hold_event_record(hold, actor=actor, verb="reaffirmed", old=hold.status,
               data={"note": (note or "").strip(), "old_due": old_due, "new_due": hold.reaffirm_due_on})
    return hold


def hold_share(*, actor, hold: EvidenceHold, person) -> EvidenceHold:
    """Let another investigator or supervisor of the agency see the hold (django-guardian object permission)."""
    if not (actor.pk in {hold.requested_by_id, hold.approver_id} or actor.has_role(Role.SYSADMIN)):
        raise PermissionDeniedError(SHARE_NOT_ALLOWED, code="share_not_allowed")
    if (person is None or not person.is_active or not person.has_role(Role.INVESTIGATOR, Role.SUPERVISOR)
            or person.agency_id != hold.requested_by.agency_id):
        raise ApplicationError(SHARE_TARGET_INVALID.format(person=person or "That person"), code="share_invalid")
    with transaction.atomic():
        assign_perm(VIEW_PERMISSION, person, hold)
        event_record(actor=actor, code="alprportal.holds.hold.shared", target=hold,
                     data={"with": person.get_username()})
    return hold


def holds_reaffirm_remind(*, today=None) -> int:
    """Remind the requester and the supervisor of every active hold due for its yearly re-affirmation within the
    notice period (once per due date: deduplicated). Returns how many holds were due."""
    today = today or timezone.localdate()
    horizon = today + timedelta(days=settings.PORTAL["HOLD_REAFFIRM_NOTICE_DAYS"])
    due = EvidenceHold.objects.select_related("requested_by", "approver").filter(
        status=HoldStatus.ACTIVE, reaffirm_due_on__lte=horizon)
    count = 0
    for hold in due:
        count += 1
        overdue = hold.reaffirm_due_on < today
        with transaction.atomic():
            hold_notify([hold.requested_by, hold.approver, hold.requested_by.supervisor], hold=hold,
                    key=f"reaffirm.{hold.reaffirm_due_on.isoformat()}",
                    severity=Severity.WARNING if not overdue else Severity.CRITICAL,
                    title=f"Evidence hold {hold.reference} {'was' if overdue else 'is'} due for re-affirmation "
                          f"on {hold.reaffirm_due_on:%Y-%m-%d}",
                    body=f"Case {hold.case_number}: re-affirm the hold if the reads are still needed, or release it.")
    return count
