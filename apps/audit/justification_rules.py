"""R-PURP-2, policy 004 §III: the agency does not seek or retain information about people or organizations solely on
the basis of protected activities or characteristics. A search without a plate (by area or camera) and a hot-list
entry whose reason is "other" reach people by where they were or why they are wanted, not by a known plate: each
needs a written justification and the attestation below, kept with the access-log row or the entry, and goes to a
supervisor's review queue (apps.justifications.selectors).

``justification_check`` is the one check the search form, the reads API, the search selectors, the hot-list entry
service and the import apply it; its messages are the constants tests assert.
"""

from __future__ import annotations

from apps.common.errors import ApplicationError

ATTESTATION_TEXT = (
    "I attest that this is not based solely on religious, political or social views or activities; participation "
    "in a noncriminal organization or lawful event; or race, ethnicity, citizenship, national origin, age, "
    "disability, gender, gender identity or sexual orientation (policy 004 §III)."
)
JUSTIFICATION_MIN_LENGTH = 20

SEARCH_SUBJECT = "A search without a plate (by area, camera or vehicle)"
ENTRY_SUBJECT = "A hot-list entry whose reason is “other”"

JUSTIFICATION_REQUIRED = (
    "{subject} needs a written justification of at least {minimum} characters: say what links this area, camera, "
    "vehicle or plate to the case (R-PURP-2)."
)
ATTESTATION_REQUIRED = (
    "{subject} needs the attestation that it is not based solely on religious, political or social views or "
    "activities, lawful events, or race, ethnicity, citizenship, origin, age, disability, gender or sexual "
    "orientation: tick the attestation box (R-PURP-2)."
)
JUSTIFICATION_TOO_LONG = "The justification is longer than {limit} characters."
JUSTIFICATION_MAX_LENGTH = 2000


def justification_check(*, justification: str, attested: bool, subject: str) -> str:
    """Return the cleaned justification, or raise ApplicationError (``justification_required`` /
    ``attestation_required``) naming what is missing (R-PURP-2)."""
    text = " ".join((justification or "").split())
    if len(text) < JUSTIFICATION_MIN_LENGTH:
        raise ApplicationError(JUSTIFICATION_REQUIRED.format(subject=subject, minimum=JUSTIFICATION_MIN_LENGTH),
                               code="justification_required")
    if len(text) > JUSTIFICATION_MAX_LENGTH:
        raise ApplicationError(JUSTIFICATION_TOO_LONG.format(limit=JUSTIFICATION_MAX_LENGTH),
                               code="justification_too_long")
    if not attested:
        raise ApplicationError(ATTESTATION_REQUIRED.format(subject=subject), code="attestation_required")
    return text
