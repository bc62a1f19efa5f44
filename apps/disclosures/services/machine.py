"""The disclosure request's state machine for apps.audit.transitions, and its domain event prefix."""

from __future__ import annotations

from apps.common.errors import ApplicationError
from apps.disclosures.choices import DISCLOSURE_TRANSITIONS, DisclosureStatus
from apps.disclosures.models import DisclosureRequest

ILLEGAL_TRANSITION = "This request is {current}; it cannot be {verb}."

EVENT_PREFIX = "alprportal.disclosures.request"


# --- helpers -------------------------------------------------------------------------------------------------------
# What the refusal says a request "cannot be", per target state (ILLEGAL_TRANSITION).
_REFUSED_VERB = {
    DisclosureStatus.SUBMITTED: "answered",
    DisclosureStatus.INFO_REQUESTED: "sent back for more information",
    DisclosureStatus.DENIED: "denied",
    DisclosureStatus.CLOSED: "closed",
    DisclosureStatus.APPROVED: "approved",
    DisclosureStatus.RELEASED: "released",
}


def _refused(disclosure_request: DisclosureRequest, target: str) -> ApplicationError:
    return ApplicationError(
        ILLEGAL_TRANSITION.format(current=disclosure_request.get_status_display().split(" — ")[0].lower(),
                                  verb=_REFUSED_VERB[target]),
        code="illegal_transition", extra={"from": disclosure_request.status, "to": target},
    )


# The request's state machine, for apps.audit.transitions.
DISCLOSURE_MACHINE = {"transitions": DISCLOSURE_TRANSITIONS, "refuse": _refused}
LOCK_RELATED = ("agency", "agreement")
