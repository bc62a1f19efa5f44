"""The custodian's review decisions on a disclosure request: examine, ask for information, deny, close and approve."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from guardian.shortcuts import assign_perm

from apps.agreements.choices import ImmigrationBasis
from apps.agreements.eligibility import law_citation_valid
from apps.audit.services import event_record
from apps.audit.transitions import row_lock, transition_apply, transition_check
from apps.common.errors import ApplicationError, PermissionDeniedError
from apps.disclosures.choices import AttachmentKind, DisclosureStatus, ReceivedVia, ReviewAction
from apps.disclosures.models import DisclosureAuthorization, DisclosureRequest, DisclosureReview, ReleasePackage
from apps.disclosures.permissions import VIEW_PERMISSION, agency_group
from apps.disclosures.selectors import disclosure_request_eligibility
from apps.disclosures.services.machine import DISCLOSURE_MACHINE, EVENT_PREFIX, LOCK_RELATED
from apps.disclosures.services.notify import disclosure_custodian_link, disclosure_requester_notify
from apps.disclosures.services.release import release_package_enqueue
from apps.disclosures.services.submission import IMMIGRATION_CITATION_INVALID
from apps.notifications.models import Severity
from apps.notifications.services import notifications_resolve

# --- review ------------------------------------------------------------------------------------------------------
NOT_A_REVIEWER = "You may not review disclosure requests."
NOT_THE_CUSTODIAN = "Only the custodian of records may authorize a disclosure (R-SHR-4)."
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
NOT_ON_IMMIGRATION_PATH = "This request is not related to civil immigration enforcement; there is nothing to examine."
EXAMINE_BASIS_REQUIRED = "Choose what you examined: the judicial warrant or the cited state or county law."
WARRANT_NOT_ATTACHED = "No judicial warrant is attached to this request; there is no warrant to examine."
WARRANT_FACTS_REQUIRED = "Record the court, the judge and the date the warrant was signed."
WARRANT_DATE_IN_FUTURE = "The warrant cannot be signed in the future ({day:%B %-d, %Y})."
CITATION_NOT_GIVEN = "The request cites no state or county law to confirm."
EXAMINE_ONLY_OPEN = "Only a request waiting for review can be examined; this one is {status}."


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
    notifications_resolve(link=disclosure_custodian_link(disclosure_request))
    return review


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
    disclosure_request = row_lock(disclosure_request, related=LOCK_RELATED)
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
    disclosure_request = row_lock(disclosure_request, related=LOCK_RELATED)
    transition_check(disclosure_request, DisclosureStatus.INFO_REQUESTED, **DISCLOSURE_MACHINE)
    _require_independent(actor, disclosure_request)
    if not (message or "").strip():
        raise ApplicationError(MESSAGE_REQUIRED, code="message_required", extra={"field": "message"})
    eligibility = disclosure_request_eligibility(disclosure_request=disclosure_request)
    disclosure_request.info_request_message = message.strip()
    moved = transition_apply(disclosure_request, DisclosureStatus.INFO_REQUESTED, actor=actor,
                             event_code=f"{EVENT_PREFIX}.info_requested", update_fields=["info_request_message"],
                             data={"message": message.strip()}, **DISCLOSURE_MACHINE)
    _review(disclosure_request, action=ReviewAction.INFO_REQUESTED, actor=actor, old=moved.old_status,
            message=message.strip(), eligibility=eligibility)
    disclosure_requester_notify(disclosure_request, title=f"{disclosure_request.reference}: more information needed",
                      body=message.strip(), severity=Severity.WARNING)
    return disclosure_request


@transaction.atomic
def disclosure_request_deny(*, actor, disclosure_request: DisclosureRequest, reason: str) -> DisclosureRequest:
    """submitted / info requested → denied, with the reason the requester reads. Refused for an ineligible
    requester, whose request is closed instead so nothing about the data is confirmed or denied (R-SHR-6)."""
    _require_reviewer(actor)
    disclosure_request = row_lock(disclosure_request, related=LOCK_RELATED)
    transition_check(disclosure_request, DisclosureStatus.DENIED, **DISCLOSURE_MACHINE)
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
                             data={"reason": reason.strip()}, **DISCLOSURE_MACHINE)
    _review(disclosure_request, action=ReviewAction.DENIED, actor=actor, old=moved.old_status, message=reason.strip(),
            eligibility=eligibility)
    disclosure_requester_notify(disclosure_request, title=f"{disclosure_request.reference}: denied",
                                body=reason.strip())
    return disclosure_request


@transaction.atomic
def disclosure_request_close_ineligible(*, actor, disclosure_request: DisclosureRequest, note: str = ""
                                        ) -> DisclosureRequest:
    """submitted / info requested → closed, for a requester that may not receive ALPR data. The requester is
    told only "closed" and the legal reason (the eligibility reasons), never whether data exists (R-SHR-6)."""
    _require_reviewer(actor)
    disclosure_request = row_lock(disclosure_request, related=LOCK_RELATED)
    transition_check(disclosure_request, DisclosureStatus.CLOSED, **DISCLOSURE_MACHINE)
    _require_independent(actor, disclosure_request)
    eligibility = disclosure_request_eligibility(disclosure_request=disclosure_request)
    if eligibility.eligible:
        raise ApplicationError(ELIGIBLE_CANNOT_CLOSE, code="eligible_cannot_close")
    disclosure_request.decision_reason = " ".join(eligibility.reasons)
    disclosure_request.decided_at, disclosure_request.decided_by = timezone.now(), actor
    moved = transition_apply(disclosure_request, DisclosureStatus.CLOSED, actor=actor,
                             event_code=f"{EVENT_PREFIX}.closed_ineligible",
                             update_fields=["decision_reason", "decided_at", "decided_by"],
                             data={"reasons": eligibility.reasons}, **DISCLOSURE_MACHINE)
    _review(disclosure_request, action=ReviewAction.CLOSED_INELIGIBLE, actor=actor, old=moved.old_status,
            message=(note or "").strip(), eligibility=eligibility)
    disclosure_requester_notify(disclosure_request, title=f"{disclosure_request.reference}: closed")
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
    disclosure_request = row_lock(disclosure_request, related=LOCK_RELATED)
    if disclosure_request.status in (DisclosureStatus.APPROVED, DisclosureStatus.RELEASED):
        raise ApplicationError(ALREADY_APPROVED.format(when=timezone.localtime(disclosure_request.decided_at)),
                               code="already_approved")
    transition_check(disclosure_request, DisclosureStatus.APPROVED, **DISCLOSURE_MACHINE)
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
                             **DISCLOSURE_MACHINE)
    _review(disclosure_request, action=ReviewAction.APPROVED, actor=actor, old=moved.old_status,
            message=statement.strip(), eligibility=eligibility)
    if disclosure_request.received_via == ReceivedVia.EXPORT:
        # Entered by our staff from an export: the outside agency learns of it (plates, our case number, who asked)
        # only now that the custodian has authorized it, never while it waits or when it is refused (R-SHR-8).
        assign_perm(VIEW_PERMISSION, agency_group(disclosure_request.agency_id), disclosure_request)
    package = ReleasePackage(request=disclosure_request, requested_by=actor)
    package.full_clean()
    package.save()
    event_record(actor=actor, code="alprportal.disclosures.package.queued", target=package,
                 data={"request_id": disclosure_request.pk})
    release_package_enqueue(package, actor=actor)
    disclosure_requester_notify(disclosure_request, title=f"{disclosure_request.reference}: approved",
                      body="The custodian of records authorized the release; the package is being prepared.")
    return disclosure_request
