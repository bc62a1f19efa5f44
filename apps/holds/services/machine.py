"""The evidence hold's state machine for apps.audit.transitions and its domain events."""

from __future__ import annotations

from apps.audit.services import event_record
from apps.common.errors import ApplicationError
from apps.holds.choices import HOLD_TRANSITIONS
from apps.holds.models import EvidenceHold

ILLEGAL_TRANSITION = "This hold is {status}; it cannot be {verb}."


LOCK_RELATED = ("requested_by",)
EVENT_PREFIX = "alprportal.holds.hold"


def hold_machine(verb: str) -> dict:
    """The hold's state machine for apps.audit.transitions; a refused move says the hold "cannot be {verb}"."""
    def refused(hold: EvidenceHold, target: str) -> ApplicationError:
        return ApplicationError(ILLEGAL_TRANSITION.format(status=hold.get_status_display().lower(), verb=verb),
                                code="illegal_transition")
    return {"transitions": HOLD_TRANSITIONS, "refuse": refused}


def hold_event_record(hold: EvidenceHold, *, actor, verb: str, old: str, data: dict | None = None) -> None:
    event_record(actor=actor, code=f"{EVENT_PREFIX}.{verb}", target=hold,
                 data={"old_status": old, "new_status": hold.status, "case_number": hold.case_number,
                       **(data or {})})
