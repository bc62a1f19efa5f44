"""Submission of disclosure requests (by a partner, or entered by staff from a written request) and the requester's
answers."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from guardian.shortcuts import assign_perm

from apps.agreements.choices import ImmigrationBasis
from apps.agreements.eligibility import law_citation_valid, sharing_eligibility
from apps.audit.choices import Purpose
from apps.audit.services import case_number_validate, event_record
from apps.audit.transitions import row_lock, transition_apply, transition_check
from apps.common.errors import ApplicationError, PermissionDeniedError
from apps.disclosures.choices import STAFF_ENTERED, AttachmentKind, DisclosureStatus, ReceivedVia
from apps.disclosures.immigration_screen import immigration_screen
from apps.disclosures.models import DisclosureInfoResponse, DisclosureRequest
from apps.disclosures.permissions import VIEW_PERMISSION, agency_group
from apps.disclosures.permissions import is_partner_requester as _is_partner
from apps.disclosures.reads_bridge import disclosure_plate_patterns, disclosure_read_searches
from apps.disclosures.services.attachments import disclosure_attachment_store, disclosure_attachments_validate
from apps.disclosures.services.machine import DISCLOSURE_MACHINE, EVENT_PREFIX, LOCK_RELATED
from apps.disclosures.services.notify import disclosure_custodians_notify
from apps.notifications.models import Severity

# --- submission ----------------------------------------------------------------------------------------------------
NOT_A_PARTNER = "Only a partner agency requester whose account names an agency may file a disclosure request."
OWN_AGENCY_ONLY = (
    "You may file requests only for your own agency ({agency}); the agency is taken from your account, not from "
    "the form."
)
FIELD_REQUIRED = "{field} is required."
PURPOSE_NOT_AUTHORIZED = (
    "“{purpose}” is not an authorized purpose for ALPR data. Choose one from the list; civil immigration "
    "enforcement is never a purpose (SB 54)."
)
TIME_RANGE_INVALID = "The end of the time range must be after its start."
TIME_RANGE_BEYOND_RETENTION = (
    "The time range starts before {limit:%B %-d, %Y}. Reads are kept {days} days, so nothing older can be requested; "
    "start the range on or after that day."
)
PLATES_OR_AREA_REQUIRED = "Give at least one plate (full or partial) or an area (latitude, longitude and radius)."
TOO_MANY_PLATES = "A request may name at most {max} plates."
AREA_INCOMPLETE = "An area needs a latitude, a longitude and a radius in km — or none of them."
IMMIGRATION_REFUSED = (
    "A request related to civil immigration enforcement is refused unless a judicial warrant is attached or a state "
    "or county law that expressly requires the disclosure is cited (SB 54; R-SHR-5)."
)
IMMIGRATION_WARRANT_MISSING = "You gave a judicial warrant as the basis: attach the warrant (PDF, JPEG or PNG)."
IMMIGRATION_CITATION_MISSING = "You gave a state or county law as the basis: cite the law that requires the disclosure."
IMMIGRATION_BASIS_UNRELATED = (
    "A warrant or law basis is given only for a request related to civil immigration enforcement."
)
IMMIGRATION_CITATION_INVALID = (
    "“{citation}” is not a citation of a law. Name the code or ordinance and the section that requires the "
    "disclosure, e.g. “Gov. Code § 7284.6(a)(1)(C)” or “County Ordinance 2019-14, sec. 3” (R-SHR-5)."
)
IMMIGRATION_SCREENED = (
    "The request's words point to civil immigration enforcement ({terms}). It follows the immigration path (SB 54): "
    "nothing is released unless the custodian of records examines a judicial warrant (court, judge and date) or "
    "confirms a cited state or county law that requires the disclosure (R-SHR-5a)."
)
ATTESTATION_REQUIRED = "Confirm the attestation to submit the request."
# R-SHR-9: written requests that arrived on paper or by e-mail, entered by staff.
NOT_AN_ENTERING_STAFF_MEMBER = (
    "Only records staff of this agency (custodian of records or system administrator) may enter a written request "
    "that arrived on paper or by e-mail."
)
RECEIVED_VIA_INVALID = "Say how the written request arrived: on paper or by e-mail."
RECEIVED_ON_REQUIRED = "Give the day the written request was received."
RECEIVED_ON_IN_FUTURE = "The request cannot have been received in the future ({day:%B %-d, %Y})."
WRITTEN_REQUEST_DOCUMENT_REQUIRED = (
    "Attach the written request as it arrived (the scanned letter or the e-mail saved as PDF); a request entered by "
    "staff is kept with its document (R-SHR-9)."
)
REQUESTING_AGENCY_REQUIRED = "Choose the agency the written request came from."
REQUESTING_AGENCY_IS_OURS = "That is this agency; a written request comes from another agency."
MAX_PLATES = 20
# The free text of a request is a paragraph or a citation, never a document (a 5 MB legal basis was accepted): longer
# material is attached. The forms and the API serializer use the same limits.
TEXT_TOO_LONG = "{label} is {length:,} characters long; at most {limit:,} are accepted (attach a document for more)."
TEXT_MAX_CHARS = {"purpose_details": 4000, "legal_basis": 4000, "immigration_law_citation": 1000, "message": 4000}
TEXT_LABELS = {"purpose_details": "The intended use", "legal_basis": "The legal basis",
               "immigration_law_citation": "The law cited", "message": "Your answer"}
RESPONSE_REQUIRED = "Write your answer."
NOT_YOUR_REQUEST = "This request is not one of your agency's."


# --- submission ----------------------------------------------------------------------------------------------------
def _check_text_lengths(**texts: str) -> None:
    """Refuse free text longer than ``TEXT_MAX_CHARS`` allows, naming the field (ApplicationError ``text_too_long``)."""
    for field, text in texts.items():
        limit, length = TEXT_MAX_CHARS[field], len((text or "").strip())
        if length > limit:
            raise ApplicationError(TEXT_TOO_LONG.format(label=TEXT_LABELS[field], length=length, limit=limit),
                                   code="text_too_long", extra={"field": field})


def _check_request_fields(*, requesting_person_name, purpose, case_number, legal_basis, purpose_details,
                          immigration_law_citation) -> None:
    _check_text_lengths(legal_basis=legal_basis, purpose_details=purpose_details,
                        immigration_law_citation=immigration_law_citation)
    for value, label, field in ((requesting_person_name, "The requesting person's name", "requesting_person_name"),
                                (case_number, "The case number", "case_number"),
                                (legal_basis, "The legal basis", "legal_basis"),
                                (purpose, "The intended purpose", "purpose")):
        if not (value or "").strip():
            raise ApplicationError(FIELD_REQUIRED.format(field=label), code="field_required", extra={"field": field})
    if purpose not in Purpose.values:
        raise ApplicationError(PURPOSE_NOT_AUTHORIZED.format(purpose=purpose), code="purpose_not_authorized",
                               extra={"field": "purpose"})
    try:
        # The custodian's review of the request is logged under its case number (R-AUD-1a): a number the access
        # log would refuse is refused here, when the requester can still correct it.
        case_number_validate(case_number)
    except ApplicationError as error:
        raise ApplicationError(error.message, code=error.code, extra={"field": "case_number"}) from error


def _check_time_range(time_from: datetime, time_to: datetime, *, now: datetime) -> None:
    if time_to <= time_from:
        raise ApplicationError(TIME_RANGE_INVALID, code="time_range_invalid", extra={"field": "time_to"})
    from apps.retention.selectors import retention_policy_current

    days = retention_policy_current().read_retention_days  # the agency's saved policy (R-RET-1)
    limit = now - timedelta(days=days)
    if time_from < limit:
        raise ApplicationError(TIME_RANGE_BEYOND_RETENTION.format(limit=timezone.localtime(limit), days=days),
                               code="time_range_beyond_retention", extra={"field": "time_from"})


def _check_immigration(*, related: bool, basis: str, citation: str, kinds: set[str], screened: bool = False) -> None:
    """R-SHR-5 at the door: an immigration-related request without its warrant or law is refused outright, and a
    cited law must look like a citation (code and section). A request only the screening put on the immigration path
    (R-SHR-5a) is accepted without a basis (the custodian sees why it cannot be approved); a basis it gives is checked
    the same way."""
    if not related:
        if screened and basis:
            _check_immigration(related=True, basis=basis, citation=citation, kinds=kinds)
            return
        if basis:
            raise ApplicationError(IMMIGRATION_BASIS_UNRELATED, code="immigration_basis_unrelated",
                                   extra={"field": "immigration_basis"})
        return
    if basis == ImmigrationBasis.JUDICIAL_WARRANT:
        if AttachmentKind.JUDICIAL_WARRANT not in kinds:
            raise ApplicationError(IMMIGRATION_WARRANT_MISSING, code="immigration_warrant_missing",
                                   extra={"field": "judicial_warrant"})
    elif basis == ImmigrationBasis.STATE_OR_COUNTY_LAW:
        if not (citation or "").strip():
            raise ApplicationError(IMMIGRATION_CITATION_MISSING, code="immigration_citation_missing",
                                   extra={"field": "immigration_law_citation"})
        if not law_citation_valid(citation):
            raise ApplicationError(IMMIGRATION_CITATION_INVALID.format(citation=citation.strip()[:100]),
                                   code="immigration_citation_invalid", extra={"field": "immigration_law_citation"})
    else:
        raise ApplicationError(IMMIGRATION_REFUSED, code="immigration_refused", extra={"field": "immigration_basis"})


def _checked_search_scope(*, plates, area, time_from, time_to, now) -> list[str]:
    """The plate patterns of a request, after the checks every way of filing one shares: the time range, a complete
    area or none, plates or an area, at most MAX_PLATES, and a search the reads app accepts. Refuses with
    ApplicationError (code and ``field``)."""
    _check_time_range(time_from, time_to, now=now)
    if any(v is not None for v in area) and not all(v is not None for v in area):
        raise ApplicationError(AREA_INCOMPLETE, code="area_incomplete", extra={"field": "area_latitude"})
    circle = area if all(v is not None for v in area) else None
    patterns = disclosure_plate_patterns(list(plates))
    if not patterns and circle is None:
        raise ApplicationError(PLATES_OR_AREA_REQUIRED, code="plates_or_area_required", extra={"field": "plates"})
    if len(patterns) > MAX_PLATES:
        raise ApplicationError(TOO_MANY_PLATES.format(max=MAX_PLATES), code="too_many_plates",
                               extra={"field": "plates"})
    disclosure_read_searches(plates=patterns, time_from=time_from, time_to=time_to, circle=circle, now=now)
    return patterns


def _screened_for_immigration(*, texts, related, basis, citation, checked) -> tuple[list[str], bool]:
    """R-SHR-5a: the request's free text screened, and the immigration path enforced when it is declared or the
    screening matched. Returns the matched terms and whether the request is on that path."""
    screened_terms = immigration_screen(*texts)
    _check_immigration(related=bool(related), basis=basis or "", citation=citation,
                       kinds={kind for kind, _u, _d in checked}, screened=bool(screened_terms))
    return screened_terms, bool(related or screened_terms)


@transaction.atomic
def disclosure_request_submit(
    *,
    actor,
    requesting_person_name: str,
    purpose: str,
    case_number: str,
    legal_basis: str,
    time_from: datetime,
    time_to: datetime,
    immigration_related: bool,
    requester_attested: bool,
    plates: Iterable[str] = (),
    requesting_person_title: str = "",
    requesting_person_email: str = "",
    requesting_person_phone: str = "",
    purpose_details: str = "",
    area_description: str = "",
    area_latitude: float | None = None,
    area_longitude: float | None = None,
    area_radius_km: float | None = None,
    immigration_basis: str = "",
    immigration_law_citation: str = "",
    attachments: Iterable[tuple[str, object]] = (),
    agency=None,
    now: datetime | None = None,
) -> DisclosureRequest:
    """File a written request (R-SHR-3) for the actor's own agency (taken from the account; naming another is
    refused). Refuses, changing nothing: missing fields, free text longer than ``TEXT_MAX_CHARS``, a purpose outside
    R-PURP, a time range before retention (READ_RETENTION_DAYS), plates the reads app cannot search, a corrupt
    attachment, and a request related to civil immigration enforcement without an attached warrant or a cited law
    (R-SHR-5).

    Eligibility of the agency is *not* told to the requester here (R-SHR-6): an ineligible agency's request is
    stored, reviewed and closed with the legal reason. The agency's group gets the guardian view permission."""
    now = now or timezone.now()
    if not _is_partner(actor):
        raise PermissionDeniedError(NOT_A_PARTNER, code="not_a_partner")
    if agency is not None and getattr(agency, "pk", agency) != actor.agency_id:
        raise ApplicationError(OWN_AGENCY_ONLY.format(agency=actor.agency), code="own_agency_only",
                               extra={"field": "agency"})
    if not requester_attested:
        raise ApplicationError(ATTESTATION_REQUIRED, code="attestation_required",
                               extra={"field": "requester_attested"})
    _check_request_fields(requesting_person_name=requesting_person_name, purpose=purpose, case_number=case_number,
                          legal_basis=legal_basis, purpose_details=purpose_details,
                          immigration_law_citation=immigration_law_citation)
    patterns = _checked_search_scope(plates=plates, area=(area_latitude, area_longitude, area_radius_km),
                                     time_from=time_from, time_to=time_to, now=now)
    checked = disclosure_attachments_validate(attachments)
    screened_terms, on_path = _screened_for_immigration(
        texts=(purpose_details, legal_basis, immigration_law_citation, area_description, requesting_person_title,
               case_number, requesting_person_email),
        related=immigration_related, basis=immigration_basis, citation=immigration_law_citation, checked=checked)

    in_force = sharing_eligibility(agency=actor.agency, day=timezone.localdate(now)).agreement
    disclosure_request = DisclosureRequest(
        agency=actor.agency, submitted_by=actor, entered_by=actor,
        requesting_person_name=requesting_person_name.strip(), requesting_person_title=requesting_person_title,
        requesting_person_email=requesting_person_email, requesting_person_phone=requesting_person_phone,
        purpose=purpose, purpose_details=purpose_details, case_number=case_number.strip(),
        legal_basis=legal_basis.strip(), plates=patterns, time_from=time_from, time_to=time_to,
        area_description=area_description, area_latitude=area_latitude, area_longitude=area_longitude,
        area_radius_km=area_radius_km, immigration_related=bool(immigration_related),
        immigration_basis=(immigration_basis or "") if on_path else "",
        immigration_law_citation=immigration_law_citation if on_path else "",
        immigration_screen_terms=screened_terms, immigration_screened_at=now if screened_terms else None,
        requester_attested=True, agreement=in_force, status=DisclosureStatus.SUBMITTED, submitted_at=now,
    )
    disclosure_request.full_clean()
    disclosure_request.save()
    for kind, upload, document in checked:
        disclosure_attachment_store(disclosure_request, kind=kind, upload=upload, document=document, actor=actor)
    assign_perm(VIEW_PERMISSION, agency_group(actor.agency_id), disclosure_request)
    assign_perm(VIEW_PERMISSION, actor, disclosure_request)
    event_record(actor=actor, code=f"{EVENT_PREFIX}.submitted", target=disclosure_request,
                 data={"old_status": None, "new_status": DisclosureStatus.SUBMITTED, "agency": actor.agency.name,
                       "purpose": purpose, "case_number": disclosure_request.case_number, "plates": patterns,
                       "agreement_id": in_force.pk if in_force else None,
                       "immigration_screen_terms": screened_terms})
    if screened_terms:
        event_record(actor=actor, code=f"{EVENT_PREFIX}.immigration_screened", target=disclosure_request,
                     data={"terms": screened_terms, "source": "submission",
                           "requester_said_related": bool(immigration_related)})
    disclosure_custodians_notify(
        disclosure_request, title=f"New disclosure request {disclosure_request.reference}",
        body=f"From {actor.agency} ({disclosure_request.requesting_person_name}); waiting for review."
        + (f" SB 54 screening: {', '.join(screened_terms)}." if screened_terms else ""),
        severity=Severity.WARNING if screened_terms else Severity.INFO)
    return disclosure_request


@transaction.atomic
def disclosure_request_enter_written(
    *,
    actor,
    agency,
    received_via: str,
    received_on,
    document,
    requesting_person_name: str,
    purpose: str,
    case_number: str,
    legal_basis: str,
    time_from: datetime,
    time_to: datetime,
    immigration_related: bool,
    plates: Iterable[str] = (),
    requesting_person_title: str = "",
    requesting_person_email: str = "",
    requesting_person_phone: str = "",
    purpose_details: str = "",
    area_description: str = "",
    area_latitude: float | None = None,
    area_longitude: float | None = None,
    area_radius_km: float | None = None,
    immigration_basis: str = "",
    immigration_law_citation: str = "",
    attachments: Iterable[tuple[str, object]] = (),
    now: datetime | None = None,
) -> DisclosureRequest:
    """R-SHR-9: records staff enter a written request that arrived on paper or by e-mail (000 462.7(b), 001 471.7(a),
    003 427.6(a)), with the document itself attached (checked to be a real PDF/JPEG/PNG within
    DISCLOSURE_ATTACHMENT_MAX_BYTES, stored with its SHA-256). The request then follows the same review as a
    partner's own (R-SHR-4): its words are screened (R-SHR-5a), its eligibility is checked live at review
    (R-SHR-1, R-SHR-1a), and the person who entered it can never review or authorize it (``_require_independent``,
    for every account, administrators included).

    Refuses, changing nothing: someone without ``disclosures.enter_disclosurerequest``; a missing or unknown way of
    arrival, a missing or future date received; no document, or one that is not a real PDF/JPEG/PNG; the deploying
    agency as requester; and every refusal of a partner's submission (fields, purpose, time range, plates or area,
    civil immigration without warrant or law)."""
    now = now or timezone.now()
    if not (actor.is_authenticated and actor.is_active and actor.has_perm("disclosures.enter_disclosurerequest")):
        raise PermissionDeniedError(NOT_AN_ENTERING_STAFF_MEMBER, code="not_entering_staff")
    if received_via not in STAFF_ENTERED:
        raise ApplicationError(RECEIVED_VIA_INVALID, code="received_via_invalid", extra={"field": "received_via"})
    if received_on is None:
        raise ApplicationError(RECEIVED_ON_REQUIRED, code="received_on_required", extra={"field": "received_on"})
    if received_on > timezone.localdate(now):
        raise ApplicationError(RECEIVED_ON_IN_FUTURE.format(day=received_on), code="received_on_in_future",
                               extra={"field": "received_on"})
    if agency is None:
        raise ApplicationError(REQUESTING_AGENCY_REQUIRED, code="agency_required", extra={"field": "agency"})
    if agency.is_deploying_agency:
        raise ApplicationError(REQUESTING_AGENCY_IS_OURS, code="agency_is_ours", extra={"field": "agency"})
    if document is None:
        raise ApplicationError(WRITTEN_REQUEST_DOCUMENT_REQUIRED, code="written_request_document_required",
                               extra={"field": "document"})
    _check_request_fields(requesting_person_name=requesting_person_name, purpose=purpose, case_number=case_number,
                          legal_basis=legal_basis, purpose_details=purpose_details,
                          immigration_law_citation=immigration_law_citation)
    patterns = _checked_search_scope(plates=plates, area=(area_latitude, area_longitude, area_radius_km),
                                     time_from=time_from, time_to=time_to, now=now)
    checked = disclosure_attachments_validate([(AttachmentKind.WRITTEN_REQUEST, document), *attachments])
    screened_terms, on_path = _screened_for_immigration(
        texts=(purpose_details, legal_basis, immigration_law_citation, area_description, requesting_person_title,
               case_number, requesting_person_email),
        related=immigration_related, basis=immigration_basis, citation=immigration_law_citation, checked=checked)
    in_force = sharing_eligibility(agency=agency, day=timezone.localdate(now)).agreement
    disclosure_request = DisclosureRequest(
        agency=agency, submitted_by=actor, entered_by=actor, received_via=received_via, received_on=received_on,
        requesting_person_name=requesting_person_name.strip(), requesting_person_title=requesting_person_title,
        requesting_person_email=requesting_person_email, requesting_person_phone=requesting_person_phone,
        purpose=purpose, purpose_details=purpose_details, case_number=case_number.strip(),
        legal_basis=legal_basis.strip(), plates=patterns, time_from=time_from, time_to=time_to,
        area_description=area_description, area_latitude=area_latitude, area_longitude=area_longitude,
        area_radius_km=area_radius_km, immigration_related=bool(immigration_related),
        immigration_basis=(immigration_basis or "") if on_path else "",
        immigration_law_citation=immigration_law_citation if on_path else "",
        immigration_screen_terms=screened_terms, immigration_screened_at=now if screened_terms else None,
        requester_attested=False, agreement=in_force, status=DisclosureStatus.SUBMITTED, submitted_at=now,
    )
    disclosure_request.full_clean()
    disclosure_request.save()
    stored = [disclosure_attachment_store(disclosure_request, kind=kind, upload=upload, document=checked_document,
                                          actor=actor)
              for kind, upload, checked_document in checked]
    assign_perm(VIEW_PERMISSION, agency_group(agency.pk), disclosure_request)
    event_record(actor=actor, code=f"{EVENT_PREFIX}.entered", target=disclosure_request,
                 data={"old_status": None, "new_status": DisclosureStatus.SUBMITTED, "agency": agency.name,
                       "received_via": received_via, "received_on": received_on.isoformat(), "purpose": purpose,
                       "case_number": disclosure_request.case_number, "plates": patterns,
                       "document_sha256": stored[0].sha256, "agreement_id": in_force.pk if in_force else None,
                       "immigration_screen_terms": screened_terms})
    if screened_terms:
        event_record(actor=actor, code=f"{EVENT_PREFIX}.immigration_screened", target=disclosure_request,
                     data={"terms": screened_terms, "source": "staff entry",
                           "requester_said_related": bool(immigration_related)})
    disclosure_custodians_notify(
        disclosure_request, title=f"Written request entered: {disclosure_request.reference}",
        body=f"{agency} ({disclosure_request.requesting_person_name}), received "
             f"{ReceivedVia(received_via).label.split(' (')[0].lower()} on {received_on:%Y-%m-%d}, "
             f"entered by {actor}; another custodian must review it (R-SHR-9).", exclude=actor)
    return disclosure_request


@transaction.atomic
def disclosure_request_respond(*, actor, disclosure_request: DisclosureRequest, message: str,
                               attachments: Iterable[tuple[str, object]] = ()) -> DisclosureRequest:
    """info requested → submitted: the requester answers the custodian's question (text and documents)."""
    if not _is_partner(actor) or actor.agency_id != disclosure_request.agency_id:
        raise PermissionDeniedError(NOT_YOUR_REQUEST, code="not_your_request")
    disclosure_request = row_lock(disclosure_request, related=LOCK_RELATED)
    transition_check(disclosure_request, DisclosureStatus.SUBMITTED, **DISCLOSURE_MACHINE)
    if not (message or "").strip():
        raise ApplicationError(RESPONSE_REQUIRED, code="response_required", extra={"field": "message"})
    _check_text_lengths(message=message)
    checked = disclosure_attachments_validate(attachments)
    response = DisclosureInfoResponse(request=disclosure_request, responder=actor, message=message.strip())
    response.full_clean()
    response.save(force_insert=True)
    for kind, upload, document in checked:
        disclosure_attachment_store(disclosure_request, kind=kind, upload=upload, document=document, actor=actor)
    _screen_again(disclosure_request, actor=actor, text=response.message, source=f"response {response.pk}")
    transition_apply(disclosure_request, DisclosureStatus.SUBMITTED, actor=actor,
                     event_code=f"{EVENT_PREFIX}.info_provided",
                     update_fields=["immigration_screen_terms", "immigration_screened_at"],
                     data={"response_id": response.pk, "attachments": len(checked)}, **DISCLOSURE_MACHINE)
    disclosure_custodians_notify(disclosure_request, title=f"More information on {disclosure_request.reference}",
                                 body="The requester answered; the request is waiting for review again.")
    return disclosure_request


def _screen_again(disclosure_request: DisclosureRequest, *, actor, text: str, source: str) -> list[str]:
    """R-SHR-5a: words added later (an answer, a note) are screened too; new indications join the request's, and the
    immigration path is never left once taken. The caller saves ``immigration_screen_terms``/``_screened_at``."""
    new = [term for term in immigration_screen(text) if term not in disclosure_request.immigration_screen_terms]
    if new:
        disclosure_request.immigration_screen_terms = [*disclosure_request.immigration_screen_terms, *new]
        disclosure_request.immigration_screened_at = timezone.now()
        event_record(actor=actor, code=f"{EVENT_PREFIX}.immigration_screened", target=disclosure_request,
                     data={"terms": new, "source": source})
    return new


def disclosure_request_screening_message(disclosure_request: DisclosureRequest) -> str:
    """What the requester is told about the screening (R-SHR-5a): the terms found and what follows; "" if none."""
    terms = disclosure_request.immigration_screen_terms
    return IMMIGRATION_SCREENED.format(terms=", ".join(terms)) if terms else ""
