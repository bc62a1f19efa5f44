"""Every egress is a disclosure (R-SHR-8): the reads CSV export (page and API) and the evidence package name their
recipient — "internal (own agency)" or an outside agency and person. An outside recipient turns the export into a
staff-entered disclosure request (R-SHR-9: entered by staff, who therefore cannot authorize it) on behalf of that
agency, waiting for the custodian of records (R-SHR-4); nothing is downloadable until it is authorized, and then
only through the release package, re-checked at download time.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from apps.agencies.models import Agency
from apps.agreements.eligibility import sharing_eligibility
from apps.audit.services import event_record
from apps.common.errors import ApplicationError
from apps.disclosures.choices import DisclosureStatus, ReceivedVia
from apps.disclosures.immigration_screen import immigration_screen
from apps.disclosures.models import DisclosureRequest
from apps.disclosures.reads_bridge import disclosure_plate_patterns, disclosure_read_searches
from apps.disclosures.services.submission import TEXT_MAX_CHARS

INTERNAL, OUTSIDE = "internal", "outside"
INTERNAL_LABEL = "internal (own agency)"

RECIPIENT_REQUIRED = (
    "Say who receives this export: “internal (own agency)” or an outside agency and person. An export for anyone "
    "outside the agency is a disclosure the custodian of records must authorize first (R-SHR-8)."
)
RECIPIENT_AGENCY_REQUIRED = "Choose the outside agency that receives the data (it must be a registered agency)."
RECIPIENT_AGENCY_IS_OURS = "That is this agency: choose “internal (own agency)” instead."
RECIPIENT_PERSON_REQUIRED = "Name the person at the outside agency who receives the data."
RECIPIENT_BASIS_REQUIRED = "Give the legal basis on which the outside agency receives the data."
RECIPIENT_TEXT_INVALID = "The {field} holds a character that is not text (a control character); type it again."
RECIPIENT_BASIS_TOO_LONG = "The legal basis is {length:,} characters long; at most {limit:,} are accepted."
RECIPIENT_BASIS_MAX_CHARS = TEXT_MAX_CHARS["legal_basis"]  # as a written request's legal basis
# A person's name is one line; a legal basis may have line breaks and tabs, nothing else below a space (NUL among
# them, which PostgreSQL cannot store), and no unpaired surrogate.
_NOT_A_NAME = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")
_NOT_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
OUTSIDE_SEARCH_UNSUPPORTED = (
    "An export for an outside recipient becomes a disclosure request, which names plates, a time range and at most "
    "a circle around a point: remove the camera, map-box or misread-tolerant options and export again."
)
OUTSIDE_EXPORT_ENTERED = (
    "Nothing was exported. The export for {agency} ({person}) is disclosure request {reference}, waiting for the "
    "custodian of records' authorization (R-SHR-8); once authorized, the release package is prepared for that "
    "agency."
)


@dataclass(frozen=True)
class ExportRecipient:
    """Who receives an export (R-SHR-8)."""

    kind: str
    agency: Agency | None = None
    person: str = ""
    legal_basis: str = ""

    @property
    def outside(self) -> bool:
        return self.kind == OUTSIDE

    @property
    def label(self) -> str:
        return INTERNAL_LABEL if not self.outside else f"{self.agency.name} — {self.person}"

    def data_elements(self) -> dict:
        if not self.outside:
            return {"recipient": INTERNAL_LABEL}
        return {"recipient": self.label, "recipient_agency_id": self.agency.pk}


INTERNAL_RECIPIENT = ExportRecipient(kind=INTERNAL)


def export_recipient_parse(data) -> ExportRecipient:
    """The recipient named in a form or query (``recipient`` = internal | outside; for outside also
    ``recipient_agency`` (id), ``recipient_person``, ``recipient_legal_basis``). Refuses a missing or incomplete
    one with ApplicationError (code and ``field``)."""
    kind = (data.get("recipient") or "").strip()
    if kind == INTERNAL:
        return INTERNAL_RECIPIENT
    if kind != OUTSIDE:
        raise ApplicationError(RECIPIENT_REQUIRED, code="recipient_required", extra={"field": "recipient"})
    raw_agency = (data.get("recipient_agency") or "").strip()
    agency = Agency.objects.filter(pk=int(raw_agency)).first() if raw_agency.isdigit() else None
    if agency is None:
        raise ApplicationError(RECIPIENT_AGENCY_REQUIRED, code="recipient_agency_required",
                               extra={"field": "recipient_agency"})
    if agency.is_deploying_agency:
        raise ApplicationError(RECIPIENT_AGENCY_IS_OURS, code="recipient_is_own_agency",
                               extra={"field": "recipient_agency"})
    raw_person = data.get("recipient_person") or ""
    if _NOT_A_NAME.search(raw_person):
        raise ApplicationError(RECIPIENT_TEXT_INVALID.format(field="recipient's name"), code="recipient_text_invalid",
                               extra={"field": "recipient_person"})
    person = " ".join(raw_person.split())[:200]
    if not person:
        raise ApplicationError(RECIPIENT_PERSON_REQUIRED, code="recipient_person_required",
                               extra={"field": "recipient_person"})
    basis = (data.get("recipient_legal_basis") or "").strip()
    if not basis:
        raise ApplicationError(RECIPIENT_BASIS_REQUIRED, code="recipient_legal_basis_required",
                               extra={"field": "recipient_legal_basis"})
    if _NOT_TEXT.search(basis):
        raise ApplicationError(RECIPIENT_TEXT_INVALID.format(field="legal basis"), code="recipient_text_invalid",
                               extra={"field": "recipient_legal_basis"})
    if len(basis) > RECIPIENT_BASIS_MAX_CHARS:
        raise ApplicationError(RECIPIENT_BASIS_TOO_LONG.format(length=len(basis), limit=RECIPIENT_BASIS_MAX_CHARS),
                               code="text_too_long", extra={"field": "recipient_legal_basis"})
    return ExportRecipient(kind=OUTSIDE, agency=agency, person=person, legal_basis=basis)


def outside_recipient_agencies():
    return Agency.objects.filter(is_deploying_agency=False).order_by("name")


@transaction.atomic
def disclosure_request_enter_for_export(
    *, actor, recipient: ExportRecipient, purpose: str, case_number: str, plates: list[str], time_from: datetime,
    time_to: datetime, circle: tuple[float, float, float] | None = None, source: str,
) -> DisclosureRequest:
    """R-SHR-8: an export for an outside recipient becomes a written request entered by staff on behalf of that
    agency (R-SHR-9): the recipient person, the export's purpose and case number, the legal basis given, and the
    plates, time range and area of the search. It waits for the custodian (``submitted``); the person who entered it
    cannot authorize it (separation of duties, as for every request). Its words and the recipient agency's name are
    screened (R-SHR-5a). The outside agency's requesters see it (guardian) and download the release only once it is
    authorized. Refused, changing nothing: a search the disclosure flow cannot express (reads app's errors)."""
    now = timezone.now()
    patterns = disclosure_plate_patterns(list(plates))
    disclosure_read_searches(plates=patterns, time_from=time_from, time_to=time_to, circle=circle, now=now)
    details = f"Export for an outside recipient, entered by {actor.get_full_name() or actor.get_username()} " \
              f"from {source} (R-SHR-8)."
    # The recipient agency's own name too: an export "to ICE" is on the immigration path whatever its words say.
    screened = immigration_screen(recipient.legal_basis, case_number, recipient.person, recipient.agency.name)
    in_force = sharing_eligibility(agency=recipient.agency, day=timezone.localdate(now)).agreement
    lat, lon, radius = circle if circle else (None, None, None)
    disclosure_request = DisclosureRequest(
        agency=recipient.agency, submitted_by=actor, entered_by=actor, requesting_person_name=recipient.person,
        purpose=purpose, purpose_details=details, case_number=case_number.strip(),
        legal_basis=recipient.legal_basis, plates=patterns, time_from=time_from, time_to=time_to,
        area_latitude=lat, area_longitude=lon, area_radius_km=radius, immigration_related=False,
        immigration_screen_terms=screened, immigration_screened_at=now if screened else None,
        requester_attested=False, agreement=in_force, status=DisclosureStatus.SUBMITTED, submitted_at=now,
        received_via=ReceivedVia.EXPORT,
    )
    disclosure_request.full_clean()
    disclosure_request.save()
    # No view permission for the outside agency yet: it is granted when the custodian authorizes the release
    # (disclosure_request_approve). Before, an agency that may never receive ALPR data (a federal immigration agency,
    # a private company) saw our plates, case number and investigator as soon as the export was asked for.
    event_record(actor=actor, code="alprportal.disclosures.request.entered_for_export", target=disclosure_request,
                 data={"old_status": None, "new_status": DisclosureStatus.SUBMITTED, "source": source,
                       "recipient": recipient.label, "agency": recipient.agency.name, "purpose": purpose,
                       "case_number": disclosure_request.case_number, "plates": patterns,
                       "immigration_screen_terms": screened})
    from apps.disclosures.services.notify import disclosure_custodians_notify

    disclosure_custodians_notify(disclosure_request, title=f"Export to authorize: {disclosure_request.reference}",
                                 body=f"{actor} asked to export ALPR data to {recipient.label}; waiting for review.")
    return disclosure_request


def read_export_for_outside_recipient(*, actor, recipient: ExportRecipient, search, purpose: str,
                                      case_number: str, source: str) -> DisclosureRequest:
    """R-SHR-8: a reads export (page or API) for an outside recipient, as a disclosure request."""
    if search.camera_ids or search.bbox or search.tolerant:
        raise ApplicationError(OUTSIDE_SEARCH_UNSUPPORTED, code="outside_export_search_unsupported")
    return disclosure_request_enter_for_export(
        actor=actor, recipient=recipient, purpose=purpose, case_number=case_number,
        plates=[search.plate.text] if search.plate else [], time_from=search.start, time_to=search.end,
        circle=search.circle, source=source)
