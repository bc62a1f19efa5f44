"""Reads of disclosure requests: what each person may see (R-ACC-4), eligibility, the audited read count."""

from __future__ import annotations

from django.db import transaction
from django.db.models import QuerySet
from guardian.shortcuts import get_objects_for_user

from apps.agreements.eligibility import ImmigrationAttestation, SharingEligibility, sharing_eligibility
from apps.audit.choices import SystemPurpose
from apps.audit.services import access_log_record
from apps.disclosures.choices import AttachmentKind, DisclosureStatus
from apps.disclosures.models import DisclosureAuthorization, DisclosureRequest
from apps.disclosures.permissions import VIEW_PERMISSION, is_partner_requester
from apps.disclosures.reads_bridge import (
    disclosure_matching_read_ids,
    disclosure_request_searches,
    search_data_elements,
)

REQUESTER_CLOSED_LABEL = "Closed"
REASON_NOT_RELEASED = "The request is {status}; nothing of it may be downloaded."


def disclosure_request_list_visible_to(*, user) -> QuerySet[DisclosureRequest]:
    """Requests a person may see. Staff with the model permission (custodian, administrator): all. A partner
    requester: those of their own agency that django-guardian grants them (R-ACC-4). Everyone else: none."""
    requests = DisclosureRequest.objects.select_related("agency", "agreement", "submitted_by")
    if not user.is_authenticated or not user.is_active:
        return requests.none()
    if user.is_staff and user.has_perm(VIEW_PERMISSION):
        return requests
    if is_partner_requester(user):
        return get_objects_for_user(user, VIEW_PERMISSION, klass=requests.filter(agency_id=user.agency_id),
                                    accept_global_perms=False)
    return requests.none()


def disclosure_request_immigration(disclosure_request: DisclosureRequest) -> ImmigrationAttestation:
    return ImmigrationAttestation(
        related=disclosure_request.immigration_related, basis=disclosure_request.immigration_basis,
        warrant_attached=AttachmentKind.JUDICIAL_WARRANT in disclosure_request.attachment_kinds(),
        law_citation=disclosure_request.immigration_law_citation,
        screened_terms=tuple(disclosure_request.immigration_screen_terms or ()),
        examined_basis=disclosure_request.immigration_examined_basis,
    )


def disclosure_request_eligibility(*, disclosure_request: DisclosureRequest, day=None) -> SharingEligibility:
    """The one eligibility service (apps.agreements.eligibility) applied to a request, live: agency (R-SHR-1),
    agreement in force (R-SHR-2), purpose (R-PURP), civil-immigration attestation (R-SHR-5)."""
    return sharing_eligibility(
        agency=disclosure_request.agency, purpose=disclosure_request.purpose,
        immigration=disclosure_request_immigration(disclosure_request),
        agreement=disclosure_request.agreement, day=day,
    )


def release_download_eligibility(*, disclosure_request: DisclosureRequest, day=None) -> SharingEligibility:
    """R-SHR-8: may the release of ``disclosure_request`` still be downloaded now? The one eligibility service
    (apps.agreements.eligibility), live at download time, against the agreement the custodian authorized it under
    (an agreement that expired or ended after the approval stops the download), the agency as it is today (e.g.
    flagged by the Attorney General since), the purpose and the civil-immigration path; and the request must still be
    released. The page and the API both call it (through ``release_package_download_open``)."""
    authorization = DisclosureAuthorization.objects.filter(request=disclosure_request).select_related(
        "agreement").first()
    agreement = authorization.agreement if authorization and authorization.agreement_id else (
        disclosure_request.agreement)
    eligibility = sharing_eligibility(
        agency=disclosure_request.agency, purpose=disclosure_request.purpose,
        immigration=disclosure_request_immigration(disclosure_request), agreement=agreement, day=day,
    )
    if disclosure_request.status != DisclosureStatus.RELEASED:
        reasons = [REASON_NOT_RELEASED.format(status=disclosure_request.get_status_display().lower()),
                   *eligibility.reasons]
        return SharingEligibility(eligible=False, reasons=reasons, agency_eligible=eligibility.agency_eligible,
                                  agreement=eligibility.agreement, checked_on=eligibility.checked_on)
    return eligibility


def disclosure_matching_reads_count(*, user, disclosure_request: DisclosureRequest, request=None) -> dict:
    """How many reads the request matches, for the custodian's review (R-SHR-4). The count is itself a query of
    ALPR data: it is written to the access log (purpose: records review; the request's case number) before it is
    returned (R-AUD-1). Returns ``{"count", "more", "error"}``; a search the reads app refuses gives ``error``."""
    from apps.common.errors import ApplicationError

    try:
        searches = disclosure_request_searches(disclosure_request)
    except ApplicationError as error:
        return {"count": None, "more": False, "error": error.message}
    with transaction.atomic():
        ids, more = disclosure_matching_read_ids(searches)
        access_log_record(
            user=user, action="disclosures.review.count",
            data_elements={"disclosure_request": disclosure_request.reference,
                           "agency": disclosure_request.agency.name, "searches": search_data_elements(searches)},
            purpose=SystemPurpose.RECORDS_REVIEW, case_number=disclosure_request.case_number, result_count=len(ids),
            request=request, allow_system_purpose=True,
        )
    return {"count": len(ids), "more": more, "error": ""}


def disclosure_requests_waiting_for_review() -> QuerySet[DisclosureRequest]:
    return (DisclosureRequest.objects.filter(status=DisclosureStatus.SUBMITTED).select_related("agency")
            .order_by("submitted_at"))


def requester_view_of(disclosure_request: DisclosureRequest) -> dict:
    """What the requester is shown: status and the reason in words — never a count of reads before a release, and
    for an ineligible requester only "Closed" with the legal reason (R-SHR-6)."""
    status = disclosure_request.status
    label = REQUESTER_CLOSED_LABEL if status == DisclosureStatus.CLOSED else disclosure_request.get_status_display()
    reason = ""
    if status in (DisclosureStatus.DENIED, DisclosureStatus.CLOSED):
        reason = disclosure_request.decision_reason
    elif status == DisclosureStatus.INFO_REQUESTED:
        reason = disclosure_request.info_request_message
    return {"label": label, "reason": reason, "status": status}
