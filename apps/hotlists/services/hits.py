"""Hits (R-HOT-4, R-HOT-5): confirmation, exigent action and its review, dismissal, the action taken. Every move goes
through apps.audit.transitions (lock, edge check against HIT_TRANSITIONS, save, event in one transaction)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from apps.accounts.roles import Role
from apps.audit.transitions import row_lock, status_event_record, transition_apply, transition_check
from apps.common.errors import ApplicationError, PermissionDeniedError
from apps.hotlists.choices import (
    HIT_TRANSITIONS,
    STOLEN_CONFIRMATION_METHODS,
    STOLEN_REASONS,
    ConfirmationMethod,
    ConfirmationResult,
    ExigentReviewOutcome,
    HitAction,
    HitStatus,
)
from apps.hotlists.models import Hit
from apps.hotlists.services.lists import permission_require
from apps.notifications.models import Severity
from apps.notifications.services import notification_send, notifications_resolve

NOT_ALLOWED_TO_CONFIRM = "You may not record the confirmation or the outcome of a hit."
HIT_TRANSITION_ILLEGAL = "This hit is {status}; it cannot be marked {target}."
HIT_ACTION_NEEDS_CONFIRMATION = (
    "A hit is not probable cause: record its confirmation (dispatch or CLETS: who, how, result) before any action."
)
HIT_ACTION_AFTER_CLEARED = "The confirmation found the plate cleared: no enforcement action may be recorded for it."
HIT_NOTE_REQUIRED = "Say why (a short note) — it is part of the record."
CONFIRMATION_METHOD_INVALID = "Choose how the hit was confirmed (dispatch, CLETS, originating agency, other)."
CONFIRMATION_RESULT_INVALID = "Choose the result of the confirmation: still wanted, or cleared."
STOLEN_NEEDS_DISPATCH_OR_CLETS = (
    "A stolen vehicle or stolen plate is confirmed only with dispatch/communications or CLETS (“still wanted”) "
    "before any action (R-HOT-4a). Under exigent circumstances, record the action with its justification instead."
)
STOLEN_NEEDS_REFERENCE = (
    "Name the dispatcher (name or ID) or the CLETS reference that confirmed the stolen status (R-HOT-4a)."
)
EXIGENT_JUSTIFICATION_REQUIRED = "Say what made it impossible to confirm first (the exigent circumstances)."
EXIGENT_ONLY_FROM_NEW = "This hit is {status}: the exigent path is only for a hit not yet confirmed."
EXIGENT_REVIEW_NOT_ALLOWED = "You may not review actions taken before confirmation."
EXIGENT_REVIEW_NOT_EXIGENT = "This hit was not acted on under exigent circumstances; there is nothing to review."
EXIGENT_REVIEW_DONE = "This exigent action has already been reviewed."
EXIGENT_REVIEW_OWN = "Nobody reviews their own exigent action; another supervisor must."
HIT_WITHDRAWN_OUT_OF_SERVICE = (
    "Withdrawn: the unit was reported out of service from {when}; reads from a damaged unit are not used (R-READ-5a)."
)

ENFORCEMENT_ACTIONS = frozenset({HitAction.STOP, HitAction.RECOVERED, HitAction.ARREST, HitAction.PERSON_LOCATED})


# --- Hits (R-HOT-4, R-HOT-5) ---------------------------------------------------------------------------------------


def _hit_refused(hit: Hit, target: str) -> ApplicationError:
    if target == HitStatus.ACTIONED:
        return ApplicationError(HIT_ACTION_NEEDS_CONFIRMATION, code="hit_not_confirmed")
    return ApplicationError(HIT_TRANSITION_ILLEGAL.format(status=hit.get_status_display().lower(),
                                                          target=HitStatus(target).label.lower()),
                            code="hit_transition_illegal")


def _exigent_refused(hit: Hit, target: str) -> ApplicationError:
    return ApplicationError(EXIGENT_ONLY_FROM_NEW.format(status=hit.get_status_display().lower()),
                            code="exigent_not_new")


# The hit's state machine, for apps.audit.transitions; R-HOT-4a's exigent action is the one edge outside the map.
_HIT_MACHINE = {"transitions": HIT_TRANSITIONS, "refuse": _hit_refused}
_EXIGENT_MACHINE = {"transitions": {HitStatus.NEW: frozenset({HitStatus.ACTIONED})}, "refuse": _exigent_refused}
HIT_EVENT_PREFIX = "alprportal.hotlists.hit"


def _hit_event_data(hit: Hit, **data) -> dict:
    """What every hit event names besides the statuses: the read, the list entry and the plate."""
    return {"read": hit.read_id, "entry": hit.entry_id, "plate": hit.plate, **data}


@transaction.atomic
def hit_confirm(*, actor, hit: Hit, method: str, result: str, note: str = "", reference: str = "") -> Hit:
    """new → confirmed (R-HOT-4): who confirmed, how (dispatch, CLETS…), the result (still wanted or cleared) and
    the dispatcher or reference; the time is the server's, never the client's (R-HOT-4a).

    R-HOT-4a: a hit on a stolen vehicle or stolen plate is confirmed only with dispatch/communications or CLETS, and
    names the dispatcher or the CLETS reference. Acting before confirmation is ``hit_act_exigent``, never this.
    Raises ApplicationError for any other starting state, a method not allowed for the hit, or a missing reference.
    """
    permission_require(actor, "hotlists.confirm_hit", NOT_ALLOWED_TO_CONFIRM)
    if method not in ConfirmationMethod.values or method == ConfirmationMethod.EXIGENT:
        raise ApplicationError(CONFIRMATION_METHOD_INVALID, code="confirmation_method_invalid")
    if result not in ConfirmationResult.values or result == ConfirmationResult.UNCONFIRMED:
        raise ApplicationError(CONFIRMATION_RESULT_INVALID, code="confirmation_result_invalid")
    reference = (reference or "").strip()
    hit = row_lock(hit)
    transition_check(hit, HitStatus.CONFIRMED, **_HIT_MACHINE)
    if hit.entry.reason in STOLEN_REASONS:
        if method not in STOLEN_CONFIRMATION_METHODS:
            raise ApplicationError(STOLEN_NEEDS_DISPATCH_OR_CLETS, code="stolen_needs_dispatch_or_clets")
        if not reference:
            raise ApplicationError(STOLEN_NEEDS_REFERENCE, code="stolen_needs_reference")
    now = timezone.now()
    note = (note or "").strip()
    transition_apply(hit, HitStatus.CONFIRMED, actor=actor, event_code=f"{HIT_EVENT_PREFIX}.confirmed",
                     changes={"confirmed_by": actor, "confirmed_at": now, "confirmation_method": method,
                              "confirmation_result": result, "confirmation_note": note,
                              "confirmation_reference": reference, "updated_at": now},
                     data=_hit_event_data(hit, method=method, result=result, confirmed_at=now, reference=reference,
                                          note=note), **_HIT_MACHINE)
    return hit


@transaction.atomic
def hit_act_exigent(*, actor, hit: Hit, action: str, justification: str, note: str = "") -> Hit:
    """new → actioned without a confirmation, under exigent circumstances (R-HOT-4a, policy 002: "in the absence of
    exigent circumstances … confirmed with the communications prior to taking any related law enforcement action").

    Records who acted, the action, the server's time and the justification (required); the hit is marked
    ``confirmation_method=exigent`` / ``confirmation_result=unconfirmed`` so nobody reads it as confirmed, and it
    enters the supervisors' review queue (``hit_exigent_review``); supervisors are alerted. Raises ApplicationError
    when the hit is not new or the justification is missing.
    """
    permission_require(actor, "hotlists.confirm_hit", NOT_ALLOWED_TO_CONFIRM)
    HitAction(action)
    justification = (justification or "").strip()
    if not justification:
        raise ApplicationError(EXIGENT_JUSTIFICATION_REQUIRED, code="exigent_justification_required")
    hit = row_lock(hit)
    transition_check(hit, HitStatus.ACTIONED, **_EXIGENT_MACHINE)
    now = timezone.now()
    transition_apply(hit, HitStatus.ACTIONED, actor=actor, event_code=f"{HIT_EVENT_PREFIX}.exigent_action",
                     changes={"confirmed_by": actor, "confirmed_at": now,
                              "confirmation_method": ConfirmationMethod.EXIGENT,
                              "confirmation_result": ConfirmationResult.UNCONFIRMED,
                              "exigent_justification": justification, "action": action, "action_by": actor,
                              "action_at": now, "action_note": (note or "").strip(), "updated_at": now},
                     data=_hit_event_data(hit, action=action, justification=justification, acted_at=now),
                     **_EXIGENT_MACHINE)
    notification_send(
        recipients=[actor.supervisor] if getattr(actor, "supervisor", None) else [], roles=[Role.SUPERVISOR],
        severity=Severity.WARNING, title=f"Hit {hit.pk}: action taken before confirmation (exigent)",
        body=(f"{actor} recorded “{hit.get_action_display()}” at {timezone.localtime(now):%Y-%m-%d %H:%M} without "
              f"dispatch or CLETS confirmation: {justification} Review it (R-HOT-4a)."),
        link=reverse("hotlists:exigent_queue"), dedupe_key=f"hit-exigent:{hit.pk}",
    )
    return hit


@transaction.atomic
def hit_exigent_review(*, actor, hit: Hit, outcome: str, note: str) -> Hit:
    """A supervisor's review of an action taken before confirmation (R-HOT-4a): justified or not, with a note; the
    time is the server's. Nobody reviews their own action. Raises ApplicationError for a hit that was not acted on
    under exigent circumstances, one already reviewed, or a missing note."""
    permission_require(actor, "hotlists.review_exigent_hit", EXIGENT_REVIEW_NOT_ALLOWED)
    ExigentReviewOutcome(outcome)
    note = (note or "").strip()
    if not note:
        raise ApplicationError(HIT_NOTE_REQUIRED, code="note_required")
    hit = row_lock(hit)
    if hit.confirmation_method != ConfirmationMethod.EXIGENT:
        raise ApplicationError(EXIGENT_REVIEW_NOT_EXIGENT, code="exigent_review_not_exigent")
    if hit.exigent_reviewed_at is not None:
        raise ApplicationError(EXIGENT_REVIEW_DONE, code="exigent_review_done")
    if hit.action_by_id == getattr(actor, "pk", None):
        raise PermissionDeniedError(EXIGENT_REVIEW_OWN, code="exigent_review_own")
    now = timezone.now()
    hit.exigent_reviewed_by, hit.exigent_reviewed_at = actor, now
    hit.exigent_review_outcome, hit.exigent_review_note, hit.updated_at = outcome, note, now
    hit.full_clean()
    hit.save(update_fields=["exigent_reviewed_by", "exigent_reviewed_at", "exigent_review_outcome",
                            "exigent_review_note", "updated_at"])
    status_event_record(actor=actor, code=f"{HIT_EVENT_PREFIX}.exigent_reviewed", target=hit, old_status=hit.status,
                        new_status=hit.status,
                        data=_hit_event_data(hit, outcome=outcome, note=note, acted_by=hit.action_by_id))
    notifications_resolve(dedupe_keys=[f"hit-exigent:{hit.pk}"])  # the review asked is done (issue #17)
    return hit


def _hit_dismiss(*, actor, hit: Hit, target: str, note: str, verb: str) -> Hit:
    permission_require(actor, "hotlists.confirm_hit", NOT_ALLOWED_TO_CONFIRM)
    note = (note or "").strip()
    if not note:
        raise ApplicationError(HIT_NOTE_REQUIRED, code="note_required")
    hit = row_lock(hit)
    transition_check(hit, target, **_HIT_MACHINE)
    now = timezone.now()
    transition_apply(hit, target, actor=actor, event_code=f"{HIT_EVENT_PREFIX}.{verb}",
                     changes={"dismissed_by": actor, "dismissed_at": now, "dismissal_note": note, "updated_at": now},
                     data=_hit_event_data(hit, note=note, camera=hit.camera_id), **_HIT_MACHINE)
    return hit


@transaction.atomic
def hit_mark_misread(*, actor, hit: Hit, note: str) -> Hit:
    """new → misread: the crop does not show the listed plate (OCR misread). Counted per camera and engine in the
    data-quality review (R-HOT-5)."""
    return _hit_dismiss(actor=actor, hit=hit, target=HitStatus.MISREAD, note=note, verb="misread")


@transaction.atomic
def hit_mark_not_actionable(*, actor, hit: Hit, note: str) -> Hit:
    """new → not actionable (e.g. vehicle gone, unit busy on a higher-priority call)."""
    return _hit_dismiss(actor=actor, hit=hit, target=HitStatus.NOT_ACTIONABLE, note=note, verb="not_actionable")


@transaction.atomic
def hit_record_action(*, actor, hit: Hit, action: str, note: str = "") -> Hit:
    """confirmed → actioned: the action taken, recorded only after a confirmation (R-HOT-4). When the confirmation
    found the plate cleared, no enforcement action may be recorded."""
    permission_require(actor, "hotlists.confirm_hit", NOT_ALLOWED_TO_CONFIRM)
    HitAction(action)
    hit = row_lock(hit)
    transition_check(hit, HitStatus.ACTIONED, **_HIT_MACHINE)
    if hit.confirmation_result == ConfirmationResult.CLEARED and action in ENFORCEMENT_ACTIONS:
        raise ApplicationError(HIT_ACTION_AFTER_CLEARED, code="hit_cleared")
    now = timezone.now()
    note = (note or "").strip()
    transition_apply(hit, HitStatus.ACTIONED, actor=actor, event_code=f"{HIT_EVENT_PREFIX}.actioned",
                     changes={"action": action, "action_by": actor, "action_at": now, "action_note": note,
                              "updated_at": now},
                     data=_hit_event_data(hit, action=action, note=note), **_HIT_MACHINE)
    return hit


def hits_withdraw_out_of_service(*, actor, read_ids: Iterable[int], effective_at: datetime) -> int:
    """Close the open, unconfirmed hits of reads that a later out-of-service report flagged (R-READ-5a): damaged
    equipment "shall not be used" (policy 002), so a hit it raised before the damage was reported is not acted on.
    Each becomes *not actionable* with a note saying why, and its own domain event. Called by
    ``camera_report_status`` in its transaction. Returns how many hits were closed."""
    ids = list(read_ids)
    if not ids:
        return 0
    now = timezone.now()
    note = HIT_WITHDRAWN_OUT_OF_SERVICE.format(when=f"{timezone.localtime(effective_at):%Y-%m-%d %H:%M}")
    who = actor if getattr(actor, "pk", None) else None
    closed = 0
    for hit in Hit.objects.filter(read_id__in=ids, status=HitStatus.NEW).order_by("id"):
        transition_apply(hit, HitStatus.NOT_ACTIONABLE, actor=actor,
                         event_code=f"{HIT_EVENT_PREFIX}.withdrawn_out_of_service",
                         changes={"dismissed_by": who, "dismissed_at": now, "dismissal_note": note,
                                  "updated_at": now},
                         data=_hit_event_data(hit, note=note, camera=hit.camera_id), **_HIT_MACHINE)
        closed += 1
    return closed
