"""Writes of evidence holds (R-RET-3): request, approve, deny, release, re-affirm, share, export.

One service per status edge (``HOLD_TRANSITIONS``): each locks the hold (select_for_update), checks the current
state and who acts, writes the new state, records a domain event with old and new values — one transaction; alerts
and jobs go out on commit. Refusals raise ApplicationError / PermissionDeniedError with the module constants below
(tests assert them) and change nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from guardian.shortcuts import assign_perm

from apps.accounts.roles import Role
from apps.audit.choices import Purpose
from apps.audit.services import access_log_record, event_record
from apps.audit.transitions import row_lock, transition_apply, transition_check
from apps.common.celery_utils import QUEUED_JOB_RESEND_AFTER, task_send_on_commit
from apps.common.errors import ApplicationError, PermissionDeniedError
from apps.common.jobs import JOBS_RESEND_LIMIT, jobs_resend
from apps.holds.choices import HOLD_TRANSITIONS, ExportStatus, HoldGround, HoldStatus, ScopeKind
from apps.holds.models import EvidenceExport, EvidenceHold, HeldRead
from apps.holds.reads_bridge import hold_scope_search_ids, hold_scope_selected, reads_by_id
from apps.holds.selectors import VIEW_PERMISSION
from apps.notifications.models import Severity
from apps.notifications.services import notification_send, notifications_resolve

logger = logging.getLogger("alprportal.holds")

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
ILLEGAL_TRANSITION = "This hold is {status}; it cannot be {verb}."
SELF_DECISION = "You cannot approve or deny your own evidence hold; the requester's supervisor decides."
NOT_THE_SUPERVISOR = "Only the requester's supervisor ({name}) may approve or deny this hold."
DENY_REASON_REQUIRED = "Give the reason for denying the hold."
RELEASE_NOT_AUTHORIZED = (
    "You are not authorized to release this hold: the requester's supervisor, the custodian of records or a system "
    "administrator releases holds."
)
RELEASE_REASON_REQUIRED = "Give the reason for releasing the hold (e.g. the case reached final disposition)."
REAFFIRM_NOT_ALLOWED = "Only the requester or their supervisor may re-affirm this hold."
SHARE_NOT_ALLOWED = "Only the requester, their supervisor or an administrator may share this hold."
SHARE_TARGET_INVALID = "{person} cannot be given this hold: share it with an active investigator or supervisor."
EXPORT_NOT_ALLOWED = "You may not export evidence packages."
EXPORT_HOLD_NOT_ACTIVE = "Only an active hold can be exported; this one is {status}."
EXPORT_IN_PROGRESS = "An evidence package of this hold is already being built."
EXPORT_OUTSIDE_IS_A_DISCLOSURE = (
    "An evidence package is built only for this agency; an outside recipient makes the export a disclosure request "
    "for the custodian of records (R-SHR-8)."
)
EXPORT_NOTHING_HELD = "The hold covers no reads; there is nothing to export."
# R-RET-3a: the custodian of records verifies extended-retention requests (004 §XI).
VERIFY_NOT_ALLOWED = "Only the custodian of records verifies extended-retention requests (policy 004 §XI)."
VERIFY_OWN_HOLD = "You requested or approved this hold; another custodian of records must verify it."
VERIFY_REFUSE_REASON_REQUIRED = "Give the reason the request cannot be verified; the requester reads it."
DENY_ONLY_PENDING = "This hold is {status}; the supervisor decides only a request that waits for them."
BOOKING_NOT_ALLOWED = "Only the requester, their supervisor or the custodian of records may record the booking number."
BOOKING_NUMBER_REQUIRED = "Give the evidence booking item number."
BOOKING_ONLY_HOLDING = "This hold is {status}; a booking number is recorded only on a hold that is waiting or active."


def _notify(people: Iterable, *, title: str, body: str = "", hold: EvidenceHold, key: str,
            severity: str = Severity.INFO) -> None:
    link = reverse("holds:detail", args=[hold.pk])
    recipients = [person for person in people if person is not None]
    transaction.on_commit(lambda: notification_send(recipients=recipients, title=title, body=body, link=link,
                                                    severity=severity, dedupe_key=f"holds.{hold.pk}.{key}"))


_LOCK_RELATED = ("requested_by",)
EVENT_PREFIX = "alprportal.holds.hold"


def _resolve_alerts(hold: EvidenceHold, *keys: str) -> None:
    """The alerts that asked for this step leave everyone's home page once it is done (issue #17)."""
    notifications_resolve(dedupe_keys=[f"holds.{hold.pk}.{key}" for key in keys if not key.endswith(".")],
                          dedupe_prefixes=[f"holds.{hold.pk}.{key}" for key in keys if key.endswith(".")])


def _machine(verb: str) -> dict:
    """The hold's state machine for apps.audit.transitions; a refused move says the hold "cannot be {verb}"."""
    def refused(hold: EvidenceHold, target: str) -> ApplicationError:
        return ApplicationError(ILLEGAL_TRANSITION.format(status=hold.get_status_display().lower(), verb=verb),
                                code="illegal_transition")
    return {"transitions": HOLD_TRANSITIONS, "refuse": refused}


def _event(hold: EvidenceHold, *, actor, verb: str, old: str, data: dict | None = None) -> None:
    event_record(actor=actor, code=f"{EVENT_PREFIX}.{verb}", target=hold,
                 data={"old_status": old, "new_status": hold.status, "case_number": hold.case_number,
                       **(data or {})})


def _purge_horizon() -> datetime:
    from apps.retention.selectors import retention_policy_current

    policy = retention_policy_current()
    return timezone.now() - timedelta(days=policy.read_purge_after_days)


def _resolve_scope(*, actor, scope_kind, read_ids, plate, time_from, time_to, camera_ids, limit) -> tuple[list, dict]:
    if scope_kind == ScopeKind.READS:
        if not read_ids:
            raise ApplicationError(SCOPE_REQUIRED, code="scope_required")
        visible, hidden, missing = hold_scope_selected(user=actor, read_ids=read_ids)
        if missing and not visible and not hidden:
            raise ApplicationError(NOTHING_TO_HOLD_PURGED.format(detail=f" (read {', '.join(map(str, missing))})"),
                                   code="nothing_to_hold")
        if hidden or missing:
            raise ApplicationError(SCOPE_NOT_VISIBLE.format(ids=", ".join(map(str, hidden + missing))),
                                   code="scope_not_visible")
        if len(visible) > limit:
            raise ApplicationError(SCOPE_TOO_LARGE.format(count=len(visible), limit=limit), code="scope_too_large")
        return visible, {"read_ids": visible}
    if scope_kind != ScopeKind.SEARCH or not (plate or "").strip() or not time_from or not time_to:
        raise ApplicationError(SCOPE_REQUIRED, code="scope_required")
    total, ids, elements = hold_scope_search_ids(user=actor, plate=plate, time_from=time_from, time_to=time_to,
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
    return ids, elements


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
        ids, elements = _resolve_scope(actor=actor, scope_kind=scope_kind, read_ids=list(read_ids), plate=plate,
                                       time_from=time_from, time_to=time_to, camera_ids=list(camera_ids),
                                       limit=limit)
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
        reads = reads_by_id(ids)
        HeldRead.objects.bulk_create([
            HeldRead(hold=hold, read_id=pk, plate=reads[pk].plate_current, captured_at=reads[pk].captured_at,
                     camera_name=reads[pk].camera.name[:120]) for pk in ids if pk in reads], batch_size=1000)
        assign_perm(VIEW_PERMISSION, actor, hold)
        _event(hold, actor=actor, verb="requested", old="", data={"ground": ground, "read_count": len(ids),
                                                                  "approver": supervisor.get_username()})
        _notify([supervisor], hold=hold, key="requested", severity=Severity.WARNING,
                title=f"Evidence hold {hold.reference} waits for your approval",
                body=f"{actor} asks to keep {len(ids)} read(s) for case {case_number}: {reason[:200]}")
    return hold


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
        hold = row_lock(hold, related=_LOCK_RELATED)
        _require_decider(actor, hold)
        transition_check(hold, HoldStatus.VERIFYING, **_machine("approved"))
        hold.decided_by, hold.decided_at, hold.decision_note = actor, timezone.now(), (note or "").strip()
        transition_apply(hold, HoldStatus.VERIFYING, actor=actor, event_code=f"{EVENT_PREFIX}.approved",
                         update_fields=["decided_by", "decided_at", "decision_note"],
                         data={"case_number": hold.case_number, "note": hold.decision_note}, **_machine("approved"))
        _resolve_alerts(hold, "requested")
        _notify([hold.requested_by], hold=hold, key="approved",
                title=f"Evidence hold {hold.reference} approved by your supervisor",
                body="The custodian of records verifies the request next; its reads stay protected meanwhile.")
        link = reverse("holds:detail", args=[hold.pk])
        transaction.on_commit(lambda: notification_send(
            roles=[Role.CUSTODIAN], severity=Severity.WARNING, link=link, dedupe_key=f"holds.{hold.pk}.verify",
            title=f"Evidence hold {hold.reference} waits for your verification",
            body=f"Case {hold.case_number}, {hold.get_ground_display().lower()}: {hold.read_count} read(s)."))
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
        hold = row_lock(hold, related=_LOCK_RELATED)
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
                               "reaffirm_due_on": hold.reaffirm_due_on}, **_machine("verified"))
        _resolve_alerts(hold, "verify")
        _notify([hold.requested_by, hold.approver], hold=hold, key="verified",
                title=f"Evidence hold {hold.reference} verified and active",
                body=f"{hold.read_count} read(s) of case {hold.case_number} are kept until the hold is released.")
    return hold


def hold_verify_refuse(*, actor, hold: EvidenceHold, reason: str) -> EvidenceHold:
    """R-RET-3a: the custodian of records cannot verify the request (e.g. no lawful ground): it is denied with the
    reason; its reads fall back to normal retention on the next run. Same refusals as ``hold_verify``, and a reason
    is required."""
    reason = (reason or "").strip()
    with transaction.atomic():
        hold = row_lock(hold, related=_LOCK_RELATED)
        _require_verifier(actor, hold)
        if hold.status != HoldStatus.VERIFYING:
            raise ApplicationError(ILLEGAL_TRANSITION.format(status=hold.get_status_display().lower(),
                                                             verb="refused"), code="illegal_transition")
        if not reason:
            raise ApplicationError(VERIFY_REFUSE_REASON_REQUIRED, code="verify_reason_required")
        hold.verified_by, hold.verified_at, hold.verification_note = actor, timezone.now(), reason
        transition_apply(hold, HoldStatus.DENIED, actor=actor, event_code=f"{EVENT_PREFIX}.verification_refused",
                         update_fields=["verified_by", "verified_at", "verification_note"],
                         data={"case_number": hold.case_number, "reason": reason}, **_machine("refused"))
        _resolve_alerts(hold, "verify")
        _notify([hold.requested_by, hold.approver], hold=hold, key="verification_refused",
                title=f"Evidence hold {hold.reference} not verified", body=reason[:500], severity=Severity.WARNING)
    return hold


def hold_booking_record(*, actor, hold: EvidenceHold, evidence_booking_number: str) -> EvidenceHold:
    """R-RET-3a: record the evidence booking item number under which the held data (on portable media) was booked
    into evidence (000 462.4, 003 427.4), by the requester, their supervisor or the custodian of records."""
    from apps.holds.choices import HOLDING_STATUSES

    booking = (evidence_booking_number or "").strip()
    with transaction.atomic():
        hold = row_lock(hold, related=_LOCK_RELATED)
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
        _event(hold, actor=actor, verb="booking_recorded", old=hold.status,
               data={"old_booking_number": old, "new_booking_number": hold.evidence_booking_number})
    return hold


def hold_deny(*, actor, hold: EvidenceHold, reason: str) -> EvidenceHold:
    """The requester's supervisor denies the request, with a reason; its reads fall back to normal retention."""
    reason = (reason or "").strip()
    with transaction.atomic():
        hold = row_lock(hold, related=_LOCK_RELATED)
        _require_decider(actor, hold)
        if hold.status != HoldStatus.PENDING:
            raise ApplicationError(DENY_ONLY_PENDING.format(status=hold.get_status_display().lower()),
                                   code="illegal_transition")
        if not reason:
            raise ApplicationError(DENY_REASON_REQUIRED, code="deny_reason_required")
        hold.decided_by, hold.decided_at, hold.decision_note = actor, timezone.now(), reason
        transition_apply(hold, HoldStatus.DENIED, actor=actor, event_code=f"{EVENT_PREFIX}.denied",
                         update_fields=["decided_by", "decided_at", "decision_note"],
                         data={"case_number": hold.case_number, "reason": reason}, **_machine("denied"))
        _resolve_alerts(hold, "requested")
        _notify([hold.requested_by], hold=hold, key="denied", title=f"Evidence hold {hold.reference} denied",
                body=reason[:500], severity=Severity.WARNING)
    return hold


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
        hold = row_lock(hold, related=_LOCK_RELATED)
        if not may_release(actor, hold):
            raise PermissionDeniedError(RELEASE_NOT_AUTHORIZED, code="release_not_authorized")
        transition_check(hold, HoldStatus.RELEASED, **_machine("released"))
        if not reason:
            raise ApplicationError(RELEASE_REASON_REQUIRED, code="release_reason_required")
        hold.released_by, hold.released_at, hold.release_reason = actor, timezone.now(), reason
        transition_apply(hold, HoldStatus.RELEASED, actor=actor, event_code=f"{EVENT_PREFIX}.released",
                         update_fields=["released_by", "released_at", "release_reason"],
                         data={"case_number": hold.case_number, "reason": reason}, **_machine("released"))
        _resolve_alerts(hold, "requested", "verify", "reaffirm.")
        _notify([hold.requested_by, hold.approver], hold=hold, key="released",
                title=f"Evidence hold {hold.reference} released",
                body=f"Released by {actor}: {reason[:300]}. Its reads now follow normal retention.")
    return hold


def hold_reaffirm(*, actor, hold: EvidenceHold, note: str = "") -> EvidenceHold:
    """The yearly re-affirmation of an active hold, by the requester or their supervisor: due again in a year."""
    with transaction.atomic():
        hold = row_lock(hold, related=_LOCK_RELATED)
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
        _resolve_alerts(hold, "reaffirm.")
        _event(hold, actor=actor, verb="reaffirmed", old=hold.status,
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


def evidence_export_request(*, actor, hold: EvidenceHold, recipient) -> EvidenceExport:
    """Queue an evidence package of an active hold (000 462.4: downloaded onto portable media and booked into
    evidence), built by a Celery job after commit, for the recipient it names (R-SHR-8: ``recipient``, an
    apps.disclosures.egress.ExportRecipient). Only an internal recipient gets a package here; for an outside one use
    ``evidence_export_for_outside_recipient`` (refused here with its code)."""
    from apps.holds.tasks import evidence_export_build

    if not actor.has_perm("holds.add_evidenceexport"):
        raise PermissionDeniedError(EXPORT_NOT_ALLOWED, code="export_not_allowed")
    if recipient.outside:
        raise ApplicationError(EXPORT_OUTSIDE_IS_A_DISCLOSURE, code="export_outside_is_a_disclosure")
    with transaction.atomic():
        hold = row_lock(hold, related=_LOCK_RELATED)
        if hold.status != HoldStatus.ACTIVE:
            raise ApplicationError(EXPORT_HOLD_NOT_ACTIVE.format(status=hold.get_status_display().lower()),
                                   code="export_hold_not_active")
        if hold.exports.filter(status__in=[ExportStatus.QUEUED, ExportStatus.RUNNING]).exists():
            raise ApplicationError(EXPORT_IN_PROGRESS, code="export_in_progress")
        export = EvidenceExport.objects.create(hold=hold, requested_by=actor, recipient=recipient.label)
        event_record(actor=actor, code="alprportal.holds.export.requested", target=hold,
                     data={"export_id": export.pk, "recipient": recipient.label})
        # Never raises: with the broker down the request still succeeds and the export stays queued until
        # evidence_exports_resend sends it (issue #9).
        task_send_on_commit(evidence_export_build, export.pk, actor_id=actor.pk)
    return export


def evidence_export_for_outside_recipient(*, actor, hold: EvidenceHold, recipient):
    """R-SHR-8: the held reads for an outside recipient are a disclosure, not an evidence package: a disclosure
    request entered on the outside agency's behalf (the held plates, from the first to the last held read), waiting
    for the custodian of records. Nothing is built or downloadable until it is authorized."""
    from datetime import timedelta

    from apps.disclosures.egress import disclosure_request_enter_for_export

    if not actor.has_perm("holds.add_evidenceexport"):
        raise PermissionDeniedError(EXPORT_NOT_ALLOWED, code="export_not_allowed")
    if hold.status != HoldStatus.ACTIVE:
        raise ApplicationError(EXPORT_HOLD_NOT_ACTIVE.format(status=hold.get_status_display().lower()),
                               code="export_hold_not_active")
    held = list(hold.held_reads.values_list("plate", "captured_at"))
    if not held:
        raise ApplicationError(EXPORT_NOTHING_HELD, code="export_nothing_held")
    entered = disclosure_request_enter_for_export(
        actor=actor, recipient=recipient, purpose=hold.purpose, case_number=hold.case_number,
        plates=sorted({plate for plate, _at in held}), time_from=min(at for _p, at in held),
        time_to=max(at for _p, at in held) + timedelta(seconds=1), source=f"evidence hold {hold.reference}")
    with transaction.atomic():
        event_record(actor=actor, code="alprportal.holds.export.outside_requested", target=hold,
                     data={"disclosure_request_id": entered.pk, "recipient": recipient.label})
    return entered


# --- evidence export jobs (issue #9: nothing is lost when the broker is down) ----------------------------------

def evidence_exports_resend(*, queued_for: timedelta = QUEUED_JOB_RESEND_AFTER, limit: int = JOBS_RESEND_LIMIT
                            ) -> list[int]:
    """Send again the job of every evidence export still queued after ``queued_for`` (its message was lost: the
    broker was down when the request committed); oldest first, at most ``limit``. Returns the ids sent. Never raises
    for a broker outage (the exports stay queued for the next run); a duplicate message is a no-op (``job_claim``).
    The job runs as the person who requested the export."""
    from apps.holds.tasks import evidence_export_build

    return jobs_resend(model=EvidenceExport, task=evidence_export_build, queued_for=queued_for, limit=limit,
                       task_kwargs=lambda export: {"actor_id": export.requested_by_id})


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
            _notify([hold.requested_by, hold.approver, hold.requested_by.supervisor], hold=hold,
                    key=f"reaffirm.{hold.reaffirm_due_on.isoformat()}",
                    severity=Severity.WARNING if not overdue else Severity.CRITICAL,
                    title=f"Evidence hold {hold.reference} {'was' if overdue else 'is'} due for re-affirmation "
                          f"on {hold.reaffirm_due_on:%Y-%m-%d}",
                    body=f"Case {hold.case_number}: re-affirm the hold if the reads are still needed, or release it.")
    return count
