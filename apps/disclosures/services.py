"""Writes to disclosure requests: submission, the custodian's review decisions and the requester's answers.

One service per status edge (``DISCLOSURE_TRANSITIONS``): each locks the request (select_for_update), checks the
state, writes, records a review row and a domain event in one transaction; tasks and notifications go out on
commit. Messages are module constants (tests assert them).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime, timedelta

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from guardian.shortcuts import assign_perm

from apps.accounts.roles import Role
from apps.agreements.choices import ImmigrationBasis
from apps.agreements.documents import ValidDocument, document_validate
from apps.agreements.eligibility import law_citation_valid, sharing_eligibility
from apps.audit.choices import Purpose
from apps.audit.services import event_record
from apps.audit.transitions import row_lock, transition_apply, transition_check
from apps.common.celery_utils import QUEUED_JOB_RESEND_AFTER, task_send_on_commit
from apps.common.errors import ApplicationError, PermissionDeniedError
from apps.common.jobs import JOBS_RESEND_LIMIT, jobs_resend
from apps.disclosures.choices import (
    DISCLOSURE_TRANSITIONS,
    STAFF_ENTERED,
    AttachmentKind,
    DisclosureStatus,
    ReceivedVia,
    ReviewAction,
)
from apps.disclosures.immigration_screen import immigration_screen
from apps.disclosures.models import (
    DisclosureAttachment,
    DisclosureAuthorization,
    DisclosureInfoResponse,
    DisclosureRequest,
    DisclosureReview,
    ReleasePackage,
)
from apps.disclosures.permissions import GROUP_PREFIX, VIEW_PERMISSION, agency_group, agency_group_name
from apps.disclosures.permissions import is_partner_requester as _is_partner
from apps.disclosures.reads_bridge import disclosure_plate_patterns, disclosure_read_searches
from apps.disclosures.selectors import disclosure_request_eligibility
from apps.notifications.models import Severity
from apps.notifications.services import notification_send, notifications_resolve

logger = logging.getLogger("alprportal.disclosures")

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

# --- review ------------------------------------------------------------------------------------------------------
NOT_A_REVIEWER = "You may not review disclosure requests."
NOT_THE_CUSTODIAN = "Only the custodian of records may authorize a disclosure (R-SHR-4)."
ILLEGAL_TRANSITION = "This request is {current}; it cannot be {verb}."
ALREADY_APPROVED = "This request was already approved on {when:%B %-d, %Y at %H:%M}; nothing was changed."
SEPARATION_OF_DUTIES = (
    "You entered this request or it came from your own account; someone else must review and authorize it (R-SHR-4, "
    "R-SHR-9)."
)
NOT_ELIGIBLE_APPROVE = "This request cannot be approved: {reasons}"
INELIGIBLE_CLOSE_INSTEAD = (
    "The requester is not eligible to receive ALPR data: close the request as ineligible, so the portal neither "
    "confirms nor denies that data exists (R-SHR-6)."
)
ELIGIBLE_CANNOT_CLOSE = "The requester is eligible; approve, deny or ask for more information instead."
STATEMENT_REQUIRED = "Write the authorization statement."
SIGNATURE_REQUIRED = "Type your name and your title as your signature."
SIGNATURE_NOT_YOURS = "The typed name must be your own name as it is on your account ({name})."
REASON_REQUIRED = "Give the reason."
MESSAGE_REQUIRED = "Write what information is needed."
RESPONSE_REQUIRED = "Write your answer."
NOT_ON_IMMIGRATION_PATH = "This request is not related to civil immigration enforcement; there is nothing to examine."
EXAMINE_BASIS_REQUIRED = "Choose what you examined: the judicial warrant or the cited state or county law."
WARRANT_NOT_ATTACHED = "No judicial warrant is attached to this request; there is no warrant to examine."
WARRANT_FACTS_REQUIRED = "Record the court, the judge and the date the warrant was signed."
WARRANT_DATE_IN_FUTURE = "The warrant cannot be signed in the future ({day:%B %-d, %Y})."
CITATION_NOT_GIVEN = "The request cites no state or county law to confirm."
EXAMINE_ONLY_OPEN = "Only a request waiting for review can be examined; this one is {status}."
NOT_YOUR_REQUEST = "This request is not one of your agency's."

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
_MACHINE = {"transitions": DISCLOSURE_TRANSITIONS, "refuse": _refused}
_LOCK_RELATED = ("agency", "agreement")


def _require_reviewer(actor) -> None:
    if not (actor.is_authenticated and actor.is_staff and actor.has_perm("disclosures.review_disclosurerequest")):
        raise PermissionDeniedError(NOT_A_REVIEWER, code="not_a_reviewer")


def _require_independent(actor, disclosure_request: DisclosureRequest) -> None:
    if actor.pk in (disclosure_request.entered_by_id, disclosure_request.submitted_by_id):
        raise ApplicationError(SEPARATION_OF_DUTIES, code="separation_of_duties")


def _review(disclosure_request, *, action, actor, old, message="", eligibility=None) -> DisclosureReview:
    review = DisclosureReview(
        request=disclosure_request, action=action, reviewer=actor, message=message, old_status=old,
        new_status=disclosure_request.status, eligibility=eligibility.snapshot() if eligibility else {},
        agreement=eligibility.agreement if eligibility else None,
    )
    review.full_clean()
    review.save(force_insert=True)
    # The custodians' alerts that asked for this review leave their home pages (issue #17).
    notifications_resolve(link=_custodian_link(disclosure_request))
    return review


def _validated_attachments(attachments: Iterable[tuple[str, object]]) -> list[tuple[str, object, ValidDocument]]:
    checked = []
    for kind, upload in attachments:
        if upload is None:
            continue
        if kind not in AttachmentKind.values:
            raise ApplicationError(f"Unknown attachment kind “{kind}”.", code="unknown_attachment_kind")
        checked.append((kind, upload, document_validate(upload, field=AttachmentKind(kind).label.lower())))
    return checked


def _store_attachment(disclosure_request, *, kind: str, upload, document: ValidDocument, actor):
    original = (getattr(upload, "name", "") or f"{kind}.{document.extension}").rsplit("/", 1)[-1][:200]
    attachment = DisclosureAttachment(
        request=disclosure_request, kind=kind, original_name=original, content_type=document.content_type,
        size=len(document.content), sha256=document.sha256, uploaded_by=actor,
    )
    attachment.file.save(f"upload.{document.extension}", ContentFile(document.content), save=False)
    attachment.full_clean()
    attachment.save()
    return attachment


def _requester_people(disclosure_request: DisclosureRequest):
    return [person for person in (disclosure_request.submitted_by,) if person.is_active]


def _notify_requester(disclosure_request: DisclosureRequest, *, title: str, body: str = "",
                      severity: str = Severity.INFO) -> None:
    from django.urls import reverse

    link = reverse("disclosures:detail", args=[disclosure_request.pk])
    people = _requester_people(disclosure_request)
    transaction.on_commit(lambda: notification_send(recipients=people, title=title, body=body, link=link,
                                                    severity=severity))


def _custodian_link(disclosure_request: DisclosureRequest) -> str:
    return f"/admin/disclosures/disclosurerequest/{disclosure_request.pk}/change/"


def disclosure_custodians_notify(disclosure_request: DisclosureRequest, *, title: str, body: str = "",
                                 severity: str = Severity.INFO) -> None:
    """After commit, a notification to every custodian of records linking to the request's admin page."""
    link = _custodian_link(disclosure_request)
    transaction.on_commit(lambda: notification_send(roles=[Role.CUSTODIAN], title=title, body=body, link=link,
                                                    severity=severity))


# --- guardian: the agency group ------------------------------------------------------------------------------------
def partner_access_sync(*, user) -> None:
    """Keep a partner requester in their own agency's group and no other (R-ACC-4); anyone else in none. Cheap and
    idempotent: the partner pages and API call it before selecting what the person may see."""
    if not user.is_authenticated:
        return
    current = set(user.groups.filter(name__startswith=GROUP_PREFIX).values_list("name", flat=True))
    wanted = {agency_group_name(user.agency_id)} if _is_partner(user) else set()
    if current == wanted:
        return
    with transaction.atomic():
        stale = current - wanted
        if stale:
            user.groups.remove(*user.groups.filter(name__in=stale))
        for name in wanted - current:
            user.groups.add(agency_group(int(name.removeprefix(GROUP_PREFIX))))
    user.__dict__.pop("roles", None)


# --- submission ----------------------------------------------------------------------------------------------------
def _check_request_fields(*, requesting_person_name, purpose, case_number, legal_basis) -> None:
    for value, label, field in ((requesting_person_name, "The requesting person's name", "requesting_person_name"),
                                (case_number, "The case number", "case_number"),
                                (legal_basis, "The legal basis", "legal_basis"),
                                (purpose, "The intended purpose", "purpose")):
        if not (value or "").strip():
            raise ApplicationError(FIELD_REQUIRED.format(field=label), code="field_required", extra={"field": field})
    if purpose not in Purpose.values:
        raise ApplicationError(PURPOSE_NOT_AUTHORIZED.format(purpose=purpose), code="purpose_not_authorized",
                               extra={"field": "purpose"})


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
    refused). Refuses, changing nothing: missing fields, a purpose outside R-PURP, a time range before retention
    (READ_RETENTION_DAYS), plates the reads app cannot search, a corrupt attachment, and a request related to civil
    immigration enforcement without an attached warrant or a cited law (R-SHR-5).

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
                          legal_basis=legal_basis)
    patterns = _checked_search_scope(plates=plates, area=(area_latitude, area_longitude, area_radius_km),
                                     time_from=time_from, time_to=time_to, now=now)
    checked = _validated_attachments(attachments)
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
        _store_attachment(disclosure_request, kind=kind, upload=upload, document=document, actor=actor)
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
                          legal_basis=legal_basis)
    patterns = _checked_search_scope(plates=plates, area=(area_latitude, area_longitude, area_radius_km),
                                     time_from=time_from, time_to=time_to, now=now)
    checked = _validated_attachments([(AttachmentKind.WRITTEN_REQUEST, document), *attachments])
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
    stored = [_store_attachment(disclosure_request, kind=kind, upload=upload, document=checked_document, actor=actor)
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
             f"entered by {actor}; another custodian must review it (R-SHR-9).")
    return disclosure_request


@transaction.atomic
def disclosure_request_respond(*, actor, disclosure_request: DisclosureRequest, message: str,
                               attachments: Iterable[tuple[str, object]] = ()) -> DisclosureRequest:
    """info requested → submitted: the requester answers the custodian's question (text and documents)."""
    if not _is_partner(actor) or actor.agency_id != disclosure_request.agency_id:
        raise PermissionDeniedError(NOT_YOUR_REQUEST, code="not_your_request")
    disclosure_request = row_lock(disclosure_request, related=_LOCK_RELATED)
    transition_check(disclosure_request, DisclosureStatus.SUBMITTED, **_MACHINE)
    if not (message or "").strip():
        raise ApplicationError(RESPONSE_REQUIRED, code="response_required", extra={"field": "message"})
    checked = _validated_attachments(attachments)
    response = DisclosureInfoResponse(request=disclosure_request, responder=actor, message=message.strip())
    response.full_clean()
    response.save(force_insert=True)
    for kind, upload, document in checked:
        _store_attachment(disclosure_request, kind=kind, upload=upload, document=document, actor=actor)
    _screen_again(disclosure_request, actor=actor, text=response.message, source=f"response {response.pk}")
    transition_apply(disclosure_request, DisclosureStatus.SUBMITTED, actor=actor,
                     event_code=f"{EVENT_PREFIX}.info_provided",
                     update_fields=["immigration_screen_terms", "immigration_screened_at"],
                     data={"response_id": response.pk, "attachments": len(checked)}, **_MACHINE)
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


# --- review (the custodian, in the admin) ----------------------------------------------------------------------
@transaction.atomic
def disclosure_request_immigration_examine(*, actor, disclosure_request: DisclosureRequest, basis: str,
                                           court: str = "", judge: str = "", signed_on=None, note: str = ""
                                           ) -> DisclosureRequest:
    """R-SHR-5a: the custodian examines what a request on the immigration path relies on — the attached judicial
    warrant (court, judge and the date it was signed are recorded) or the cited state or county law (confirmed) —
    before it can be approved. Refused, changing nothing: someone who is not the custodian, the person who entered
    the request, a request not on the immigration path or no longer open, a warrant basis without an attached
    warrant or without court, judge and date (or a date in the future), a law basis without a real citation."""
    if not (actor.is_authenticated and actor.has_perm("disclosures.authorize_disclosure")):
        raise PermissionDeniedError(NOT_THE_CUSTODIAN, code="not_the_custodian")
    disclosure_request = row_lock(disclosure_request, related=_LOCK_RELATED)
    if disclosure_request.status not in (DisclosureStatus.SUBMITTED, DisclosureStatus.INFO_REQUESTED):
        raise ApplicationError(EXAMINE_ONLY_OPEN.format(status=disclosure_request.get_status_display().lower()),
                               code="illegal_transition")
    _require_independent(actor, disclosure_request)
    if not disclosure_request.on_immigration_path:
        raise ApplicationError(NOT_ON_IMMIGRATION_PATH, code="not_on_immigration_path")
    court, judge, note = (court or "").strip(), (judge or "").strip(), (note or "").strip()
    if basis == ImmigrationBasis.JUDICIAL_WARRANT:
        if AttachmentKind.JUDICIAL_WARRANT not in disclosure_request.attachment_kinds():
            raise ApplicationError(WARRANT_NOT_ATTACHED, code="warrant_not_attached", extra={"field": "basis"})
        if not (court and judge and signed_on):
            raise ApplicationError(WARRANT_FACTS_REQUIRED, code="warrant_facts_required",
                                   extra={"field": "court" if not court else "judge" if not judge else "signed_on"})
        if signed_on > timezone.localdate():
            raise ApplicationError(WARRANT_DATE_IN_FUTURE.format(day=signed_on), code="warrant_date_in_future",
                                   extra={"field": "signed_on"})
    elif basis == ImmigrationBasis.STATE_OR_COUNTY_LAW:
        citation = disclosure_request.immigration_law_citation.strip()
        if not citation:
            raise ApplicationError(CITATION_NOT_GIVEN, code="citation_not_given", extra={"field": "basis"})
        if not law_citation_valid(citation):
            raise ApplicationError(IMMIGRATION_CITATION_INVALID.format(citation=citation[:100]),
                                   code="immigration_citation_invalid", extra={"field": "basis"})
        court, judge, signed_on = "", "", None
    else:
        raise ApplicationError(EXAMINE_BASIS_REQUIRED, code="examine_basis_required", extra={"field": "basis"})
    now = timezone.now()
    disclosure_request.immigration_examined_basis = basis
    disclosure_request.immigration_examined_by, disclosure_request.immigration_examined_at = actor, now
    disclosure_request.warrant_court, disclosure_request.warrant_judge = court, judge
    disclosure_request.warrant_signed_on, disclosure_request.immigration_examination_note = signed_on, note
    disclosure_request.full_clean()
    disclosure_request.save(update_fields=["immigration_examined_basis", "immigration_examined_by",
                                           "immigration_examined_at", "warrant_court", "warrant_judge",
                                           "warrant_signed_on", "immigration_examination_note"])
    data = {"basis": basis, "court": court, "judge": judge, "signed_on": signed_on.isoformat() if signed_on else None,
            "citation": disclosure_request.immigration_law_citation if not court else "", "note": note,
            "screen_terms": disclosure_request.immigration_screen_terms}
    event_record(actor=actor, code=f"{EVENT_PREFIX}.immigration_examined", target=disclosure_request, data=data)
    _review(disclosure_request, action=ReviewAction.IMMIGRATION_EXAMINED, actor=actor,
            old=disclosure_request.status, message=note or f"{court}, {judge}, {signed_on}" if court else note,
            eligibility=disclosure_request_eligibility(disclosure_request=disclosure_request))
    return disclosure_request



@transaction.atomic
def disclosure_request_request_info(*, actor, disclosure_request: DisclosureRequest, message: str
                                    ) -> DisclosureRequest:
    """submitted → info requested, with what is needed (shown to the requester)."""
    _require_reviewer(actor)
    disclosure_request = row_lock(disclosure_request, related=_LOCK_RELATED)
    transition_check(disclosure_request, DisclosureStatus.INFO_REQUESTED, **_MACHINE)
    _require_independent(actor, disclosure_request)
    if not (message or "").strip():
        raise ApplicationError(MESSAGE_REQUIRED, code="message_required", extra={"field": "message"})
    eligibility = disclosure_request_eligibility(disclosure_request=disclosure_request)
    disclosure_request.info_request_message = message.strip()
    moved = transition_apply(disclosure_request, DisclosureStatus.INFO_REQUESTED, actor=actor,
                             event_code=f"{EVENT_PREFIX}.info_requested", update_fields=["info_request_message"],
                             data={"message": message.strip()}, **_MACHINE)
    _review(disclosure_request, action=ReviewAction.INFO_REQUESTED, actor=actor, old=moved.old_status,
            message=message.strip(), eligibility=eligibility)
    _notify_requester(disclosure_request, title=f"{disclosure_request.reference}: more information needed",
                      body=message.strip(), severity=Severity.WARNING)
    return disclosure_request


@transaction.atomic
def disclosure_request_deny(*, actor, disclosure_request: DisclosureRequest, reason: str) -> DisclosureRequest:
    """submitted / info requested → denied, with the reason the requester reads. Refused for an ineligible
    requester, whose request is closed instead so nothing about the data is confirmed or denied (R-SHR-6)."""
    _require_reviewer(actor)
    disclosure_request = row_lock(disclosure_request, related=_LOCK_RELATED)
    transition_check(disclosure_request, DisclosureStatus.DENIED, **_MACHINE)
    _require_independent(actor, disclosure_request)
    if not (reason or "").strip():
        raise ApplicationError(REASON_REQUIRED, code="reason_required", extra={"field": "reason"})
    eligibility = disclosure_request_eligibility(disclosure_request=disclosure_request)
    if not eligibility.agency_eligible:
        raise ApplicationError(INELIGIBLE_CLOSE_INSTEAD, code="ineligible_close_instead")
    disclosure_request.decision_reason = reason.strip()
    disclosure_request.decided_at, disclosure_request.decided_by = timezone.now(), actor
    moved = transition_apply(disclosure_request, DisclosureStatus.DENIED, actor=actor,
                             event_code=f"{EVENT_PREFIX}.denied",
                             update_fields=["decision_reason", "decided_at", "decided_by"],
                             data={"reason": reason.strip()}, **_MACHINE)
    _review(disclosure_request, action=ReviewAction.DENIED, actor=actor, old=moved.old_status, message=reason.strip(),
            eligibility=eligibility)
    _notify_requester(disclosure_request, title=f"{disclosure_request.reference}: denied", body=reason.strip())
    return disclosure_request


@transaction.atomic
def disclosure_request_close_ineligible(*, actor, disclosure_request: DisclosureRequest, note: str = ""
                                        ) -> DisclosureRequest:
    """submitted / info requested → closed, for a requester that may not receive ALPR data. The requester is
    told only "closed" and the legal reason (the eligibility reasons), never whether data exists (R-SHR-6)."""
    _require_reviewer(actor)
    disclosure_request = row_lock(disclosure_request, related=_LOCK_RELATED)
    transition_check(disclosure_request, DisclosureStatus.CLOSED, **_MACHINE)
    _require_independent(actor, disclosure_request)
    eligibility = disclosure_request_eligibility(disclosure_request=disclosure_request)
    if eligibility.eligible:
        raise ApplicationError(ELIGIBLE_CANNOT_CLOSE, code="eligible_cannot_close")
    disclosure_request.decision_reason = " ".join(eligibility.reasons)
    disclosure_request.decided_at, disclosure_request.decided_by = timezone.now(), actor
    moved = transition_apply(disclosure_request, DisclosureStatus.CLOSED, actor=actor,
                             event_code=f"{EVENT_PREFIX}.closed_ineligible",
                             update_fields=["decision_reason", "decided_at", "decided_by"],
                             data={"reasons": eligibility.reasons}, **_MACHINE)
    _review(disclosure_request, action=ReviewAction.CLOSED_INELIGIBLE, actor=actor, old=moved.old_status,
            message=(note or "").strip(), eligibility=eligibility)
    _notify_requester(disclosure_request, title=f"{disclosure_request.reference}: closed")
    return disclosure_request


def authorization_statement_default(disclosure_request: DisclosureRequest) -> str:
    """The statement the custodian starts from (and may edit) when authorizing."""
    plates = ", ".join(disclosure_request.plates) or "the area described"
    return (
        f"I have reviewed written request {disclosure_request.reference} from {disclosure_request.agency} "
        f"({disclosure_request.requesting_person_name}), case {disclosure_request.case_number}, for the purpose "
        f"“{disclosure_request.get_purpose_display()}” on the legal basis stated in the request. The requesting "
        "agency is a California public agency eligible to receive ALPR data (Civ. Code § 1798.90.55(b)), the purpose "
        "is authorized by this agency's ALPR policy, and the request is not for civil immigration enforcement "
        "without a judicial warrant or a law requiring it. I authorize the release of the ALPR reads matching "
        f"{plates} between {timezone.localtime(disclosure_request.time_from):%Y-%m-%d %H:%M} and "
        f"{timezone.localtime(disclosure_request.time_to):%Y-%m-%d %H:%M}, for that purpose only."
    )


@transaction.atomic
def disclosure_request_approve(*, actor, disclosure_request: DisclosureRequest, statement: str, signer_name: str,
                               signer_title: str) -> DisclosureRequest:
    """submitted → approved, with the custodian's written authorization (R-SHR-4): the statement, the name and title
    typed as signature (the name must be the actor's own), and the date and time — stored immutably.

    Refused, changing nothing: someone without the custodian's permission; the person who entered the request or
    whose account it came from (separation of duties); a second approval; an ineligible request, including one
    whose agreement has expired or ended since it was filed (checked live, R-SHR-2). On commit the release package
    job is enqueued."""
    if not (actor.is_authenticated and actor.has_perm("disclosures.authorize_disclosure")):
        raise PermissionDeniedError(NOT_THE_CUSTODIAN, code="not_the_custodian")
    disclosure_request = row_lock(disclosure_request, related=_LOCK_RELATED)
    if disclosure_request.status in (DisclosureStatus.APPROVED, DisclosureStatus.RELEASED):
        raise ApplicationError(ALREADY_APPROVED.format(when=timezone.localtime(disclosure_request.decided_at)),
                               code="already_approved")
    transition_check(disclosure_request, DisclosureStatus.APPROVED, **_MACHINE)
    _require_independent(actor, disclosure_request)
    if not (statement or "").strip():
        raise ApplicationError(STATEMENT_REQUIRED, code="statement_required", extra={"field": "statement"})
    if not (signer_name or "").strip() or not (signer_title or "").strip():
        raise ApplicationError(SIGNATURE_REQUIRED, code="signature_required", extra={"field": "signer_name"})
    own_name = actor.get_full_name().strip() or actor.get_username()
    if " ".join(signer_name.split()).casefold() != " ".join(own_name.split()).casefold():
        raise ApplicationError(SIGNATURE_NOT_YOURS.format(name=own_name), code="signature_not_yours",
                               extra={"field": "signer_name"})
    eligibility = disclosure_request_eligibility(disclosure_request=disclosure_request)
    if not eligibility.eligible:
        raise ApplicationError(NOT_ELIGIBLE_APPROVE.format(reasons=" ".join(eligibility.reasons)),
                               code="not_eligible", extra={"reasons": eligibility.reasons})
    from apps.disclosures.reads_bridge import disclosure_request_searches

    disclosure_request_searches(disclosure_request)  # the reads app must still accept the search

    now = timezone.now()
    authorization = DisclosureAuthorization(
        request=disclosure_request, custodian=actor, statement=statement.strip(), signer_name=signer_name.strip(),
        signer_title=signer_title.strip(), signed_at=now, agreement=eligibility.agreement,
        eligibility=eligibility.snapshot(),
    )
    authorization.content_sha256 = authorization.compute_sha256()
    authorization.full_clean()
    authorization.save(force_insert=True)
    disclosure_request.decided_at, disclosure_request.decided_by = now, actor
    moved = transition_apply(disclosure_request, DisclosureStatus.APPROVED, actor=actor,
                             event_code=f"{EVENT_PREFIX}.approved", update_fields=["decided_at", "decided_by"],
                             data={"authorization_id": authorization.pk,
                                   "authorization_sha256": authorization.content_sha256,
                                   "agreement_id": eligibility.agreement.pk if eligibility.agreement else None},
                             **_MACHINE)
    _review(disclosure_request, action=ReviewAction.APPROVED, actor=actor, old=moved.old_status,
            message=statement.strip(), eligibility=eligibility)
    package = ReleasePackage(request=disclosure_request, requested_by=actor)
    package.full_clean()
    package.save()
    event_record(actor=actor, code="alprportal.disclosures.package.queued", target=package,
                 data={"request_id": disclosure_request.pk})
    release_package_enqueue(package, actor=actor)
    _notify_requester(disclosure_request, title=f"{disclosure_request.reference}: approved",
                      body="The custodian of records authorized the release; the package is being prepared.")
    return disclosure_request


def release_package_enqueue(package: ReleasePackage, *, actor) -> None:
    """Send the package's build job once the transaction commits (on approval, and on a retry)."""
    from apps.disclosures.tasks import disclosure_package_build

    # After commit: the worker must see the approved request and the queued package row. Never raises: with the
    # broker down the approval still succeeds and the package stays queued until release_packages_resend (issue #9).
    task_send_on_commit(disclosure_package_build, package.pk, actor_id=actor.pk)


# --- release package jobs (issue #9: nothing is lost when the broker is down) ------------------------------------


def release_packages_resend(*, queued_for: timedelta = QUEUED_JOB_RESEND_AFTER, limit: int = JOBS_RESEND_LIMIT
                            ) -> list[int]:
    """Send again the build job of every package still queued after ``queued_for`` (its message was lost: the
    broker was down when the approval committed); oldest first, at most ``limit``. Returns the ids sent. Never raises
    for a broker outage (the packages stay queued for the next run); a duplicate message is a no-op (``job_claim``).
    The job runs as the person who approved it."""
    from apps.disclosures.tasks import disclosure_package_build

    return jobs_resend(model=ReleasePackage, task=disclosure_package_build, queued_for=queued_for, limit=limit,
                       task_kwargs=lambda package: {"actor_id": package.requested_by_id})
