"""Is a stated case number one the agency could have issued, and is it open? (R-READ-3)

Called by the single choke point ``apps.audit.services.access_purpose_check`` for every stated purpose+case, and by
``access_log_record`` whose row records the answer in ``data_elements.case_verification``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.utils import timezone

from apps.common.errors import ApplicationError
from apps.misuse.choices import CaseNumberKind, Verification
from apps.misuse.models import CaseNumberFormat, CaseNumberOverride
from apps.misuse.rms import CLOSED, OPEN, UNAVAILABLE, rms_connector_for

CASE_NUMBER_FORMAT = "“{number}” is not a number this agency issues. Expected: {expected}."
CASE_NUMBER_UNKNOWN = ("Case number {number} does not exist in the records system. Check it, or ask your supervisor "
                       "for an override with a reason.")
CASE_NUMBER_CLOSED = ("Case number {number} is closed in the records system. Ask your supervisor for an override "
                      "with a reason if the case was reopened.")


@dataclass(frozen=True)
class CaseVerification:
    status: str
    kind: str = ""
    rms: str = ""
    override_id: int | None = None

    def as_data(self) -> dict:
        data = {"status": self.status}
        if self.kind:
            data["kind"] = self.kind
        if self.rms:
            data["rms"] = self.rms
        if self.override_id:
            data["override"] = self.override_id
        return data


_KIND_NAMES = {CaseNumberKind.CASE: "a case number", CaseNumberKind.INCIDENT: "an incident number",
               CaseNumberKind.CAD_EVENT: "a CAD event number"}


def expected_forms(formats) -> str:
    parts = [f"{_KIND_NAMES.get(item.kind, item.kind)} like {item.example}" for item in formats]
    return parts[0] if len(parts) == 1 else f"{', '.join(parts[:-1])} or {parts[-1]}"


def case_number_kind(*, agency_id: int | None, case_number: str) -> tuple[str | None, list[CaseNumberFormat]]:
    formats = list(CaseNumberFormat.objects.filter(agency_id=agency_id)) if agency_id else []
    formats.sort(key=lambda item: CaseNumberKind.values.index(item.kind) if item.kind in CaseNumberKind.values else 9)
    for item in formats:
        try:
            if re.fullmatch(item.pattern, case_number):
                return item.kind, formats
        except re.error:
            continue
    return None, formats


def active_override(*, user, case_number: str) -> CaseNumberOverride | None:
    return (CaseNumberOverride.objects.filter(person=user, case_number=case_number, expires_at__gt=timezone.now())
            .order_by("-granted_at").first())


def _refuse(*, user, case_number: str, purpose: str, message: str, code: str) -> ApplicationError:
    """The refusal, recorded first (the attempt, not what it searched for) so the nightly review counts it."""
    from apps.misuse.services import case_number_refusal_record  # services import this module's callers

    case_number_refusal_record(user=user, case_number=case_number, purpose=purpose, code=code, message=message)
    return ApplicationError(message, code=code)


def case_number_verify(*, user, case_number: str, purpose: str = "") -> CaseVerification:
    """The format (agency setting) and, where the agency connects its RMS, existence and openness (R-READ-3).

    Refuses (ApplicationError, code ``case_number_format`` / ``case_number_unknown`` / ``case_number_closed``) a
    number of no configured form — the message shows the expected forms — and a number the RMS does not know or has
    closed, unless a supervisor's override for this person and number is in force. An RMS that cannot be reached
    leaves the number format-checked only (recorded as such, and flagged by the nightly review). Every refusal is
    recorded as a ``CaseNumberRefusal`` (who, when, which number, why) before it is raised."""
    agency_id = getattr(user, "agency_id", None)
    kind, formats = case_number_kind(agency_id=agency_id, case_number=case_number)
    if not formats:
        return CaseVerification(status=Verification.UNCHECKED)
    if kind is None:
        raise _refuse(user=user, case_number=case_number, purpose=purpose, code="case_number_format",
                      message=CASE_NUMBER_FORMAT.format(number=case_number, expected=expected_forms(formats)))
    connector = rms_connector_for(agency_id=agency_id)
    if connector is None:
        return CaseVerification(status=Verification.FORMAT_CHECKED, kind=kind)
    answer = connector.lookup(kind=kind, number=case_number)
    if answer == OPEN:
        return CaseVerification(status=Verification.VERIFIED, kind=kind, rms=answer)
    override = active_override(user=user, case_number=case_number)
    if override is not None:
        return CaseVerification(status=Verification.OVERRIDDEN, kind=kind, rms=answer, override_id=override.pk)
    if answer == UNAVAILABLE:
        return CaseVerification(status=Verification.FORMAT_CHECKED, kind=kind, rms=answer)
    message = CASE_NUMBER_CLOSED if answer == CLOSED else CASE_NUMBER_UNKNOWN  # UNKNOWN
    raise _refuse(user=user, case_number=case_number, purpose=purpose, code=f"case_number_{answer}",
                  message=message.format(number=case_number))
