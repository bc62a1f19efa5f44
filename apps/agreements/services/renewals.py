"""Renewal of an agreement (R-SHR-2): the partner's application, the review checklist (compliance, the Attorney
General's SB 34 list) and the decision, which starts the next term as a new agreement."""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.utils import timezone

from apps.agencies.services import agency_set_ag_flag
from apps.agreements.choices import AGREEMENT_TERMS, IN_FORCE_STATUSES, AgreementStatus, RenewalDecision
from apps.agreements.eligibility import sharing_eligibility
from apps.agreements.models import Agreement, AgreementRenewal, AgreementSignatory, add_one_year
from apps.agreements.services.lifecycle import REASON_REQUIRED
from apps.agreements.services.machine import (
    AGREEMENT_LOCK_RELATED,
    AGREEMENT_MACHINE,
    EVENT_PREFIX,
    agreement_document_store,
    agreement_manager_require,
)
from apps.audit.services import event_record
from apps.audit.transitions import row_lock, status_event_record, transition_apply, transition_check
from apps.common.errors import ApplicationError

RENEWAL_NOT_OPEN = "A renewal can be recorded only for an agreement in force; this one is {current}."
RENEWAL_ALREADY_PENDING = "A renewal application for this agreement is already waiting for a decision."
RENEWAL_DECIDED = "This renewal was already decided ({decision})."
RENEWAL_CHECKLIST_INCOMPLETE = (
    "The renewal review is incomplete: {missing}. Complete the checklist before renewing (R-SHR-2)."
)
RENEWAL_PARTNER_INELIGIBLE = "The partner may not receive ALPR data, so the agreement cannot be renewed: {reasons}"
RENEWAL_AFTER_SUNSET = "The agreement reached its sunset on {sunset:%B %-d, %Y}; it can no longer be renewed."
RENEWAL_SUNSET_TOO_LATE = "The renewed term may run at most one year, until {limit:%B %-d, %Y} (R-SHR-2)."


@transaction.atomic
def agreement_renewal_apply(*, actor, agreement: Agreement, application_document, received_on: date,
                            applicant_name: str) -> AgreementRenewal:
    """Record the partner's application for renewal (PDF); an active agreement becomes *renewal due*."""
    agreement_manager_require(actor)
    agreement = row_lock(agreement, related=AGREEMENT_LOCK_RELATED)
    if agreement.status not in IN_FORCE_STATUSES:
        raise ApplicationError(RENEWAL_NOT_OPEN.format(current=agreement.get_status_display().lower()),
                               code="renewal_not_open")
    if AgreementRenewal.objects.filter(agreement=agreement, decision=RenewalDecision.PENDING).exists():
        raise ApplicationError(RENEWAL_ALREADY_PENDING, code="renewal_pending")
    if not (applicant_name or "").strip():
        raise ApplicationError("Name the person who applied for the partner agency.", code="applicant_required")
    renewal = AgreementRenewal(agreement=agreement, application_received_on=received_on,
                               applicant_name=applicant_name.strip(), recorded_by=actor)
    renewal.application_document_sha256 = agreement_document_store(
        renewal.application_document, application_document, field="renewal application")
    renewal.full_clean()
    renewal.save()
    if agreement.status == AgreementStatus.ACTIVE:
        transition_apply(agreement, AgreementStatus.RENEWAL_DUE, actor=actor, event_code=f"{EVENT_PREFIX}.renewal_due",
                         data={"reason": "The partner applied for renewal.", "renewal_id": renewal.pk},
                         **AGREEMENT_MACHINE)
    event_record(actor=actor, code="alprportal.agreements.renewal.applied", target=renewal,
                 data={"agreement_id": agreement.pk, "received_on": received_on, "applicant": applicant_name})
    return renewal


@transaction.atomic
def agreement_renewal_record_checklist(
    *, actor, renewal: AgreementRenewal, compliance_confirmed: bool, compliance_notes: str = "",
    ag_list_checked_on: date, ag_list_partner_listed: bool,
) -> AgreementRenewal:
    """Record the renewal review's checklist: compliance confirmed, and the Attorney General's SB 34
    non-compliance list checked (on which date, by ``actor``, with what result). The result is also written to the
    agency (``agency_set_ag_flag``), so a listed partner stops receiving data everywhere at once (R-SHR-1)."""
    agreement_manager_require(actor)
    renewal = AgreementRenewal.objects.select_for_update().select_related("agreement__partner_agency").get(
        pk=renewal.pk)
    if renewal.decision != RenewalDecision.PENDING:
        raise ApplicationError(RENEWAL_DECIDED.format(decision=renewal.get_decision_display().lower()),
                               code="renewal_decided")
    renewal.compliance_confirmed = bool(compliance_confirmed)
    renewal.compliance_notes = compliance_notes
    renewal.ag_list_checked_on = ag_list_checked_on
    renewal.ag_list_checked_by = actor
    renewal.ag_list_partner_listed = bool(ag_list_partner_listed)
    renewal.full_clean()
    renewal.save(update_fields=["compliance_confirmed", "compliance_notes", "ag_list_checked_on",
                                "ag_list_checked_by", "ag_list_partner_listed"])
    agency_set_ag_flag(actor=actor, agency=renewal.agreement.partner_agency, flagged=bool(ag_list_partner_listed),
                       checked_on=ag_list_checked_on)
    event_record(actor=actor, code="alprportal.agreements.renewal.checklist_recorded", target=renewal,
                 data={"compliance_confirmed": bool(compliance_confirmed), "ag_list_checked_on": ag_list_checked_on,
                       "ag_list_partner_listed": bool(ag_list_partner_listed)})
    return renewal


def _checklist_missing(renewal: AgreementRenewal) -> list[str]:
    missing = []
    if not renewal.compliance_confirmed:
        missing.append("compliance with current law and policy is not confirmed")
    if not renewal.ag_list_checked_on or not renewal.ag_list_checked_by_id:
        missing.append("the Attorney General's non-compliance list has not been checked")
    elif renewal.ag_list_partner_listed:
        missing.append("the partner is on the Attorney General's non-compliance list")
    return missing


@transaction.atomic
def agreement_renewal_decide(
    *, actor, renewal: AgreementRenewal, approve: bool, notes: str = "", new_sunset_date: date | None = None,
    signed_document=None, today: date | None = None,
) -> AgreementRenewal:
    """Decide a renewal. Approve: renewal due → renewed, and the next term starts today as a new active agreement
    whose sunset is at most one year away (R-SHR-2). Refuse: recorded with the reason; the agreement keeps running
    to its sunset and then expires (a listed partner already receives nothing, R-SHR-1)."""
    agreement_manager_require(actor)
    today = today or timezone.localdate()
    renewal = AgreementRenewal.objects.select_for_update().get(pk=renewal.pk)
    if renewal.decision != RenewalDecision.PENDING:
        raise ApplicationError(RENEWAL_DECIDED.format(decision=renewal.get_decision_display().lower()),
                               code="renewal_decided")
    agreement = row_lock(renewal.agreement, related=AGREEMENT_LOCK_RELATED)
    renewal.decided_by, renewal.decided_at = actor, timezone.now()
    renewal.decision_notes = (notes or "").strip()
    if not approve:
        if not renewal.decision_notes:
            raise ApplicationError(REASON_REQUIRED, code="reason_required")
        renewal.decision = RenewalDecision.REFUSED
        renewal.save(update_fields=["decision", "decided_by", "decided_at", "decision_notes"])
        event_record(actor=actor, code="alprportal.agreements.renewal.refused", target=renewal,
                     data={"agreement_id": agreement.pk, "notes": renewal.decision_notes})
        return renewal

    transition_check(agreement, AgreementStatus.RENEWED, **AGREEMENT_MACHINE)
    if today >= agreement.sunset_date:
        raise ApplicationError(RENEWAL_AFTER_SUNSET.format(sunset=agreement.sunset_date), code="after_sunset")
    missing = _checklist_missing(renewal)
    if missing:
        raise ApplicationError(RENEWAL_CHECKLIST_INCOMPLETE.format(missing="; ".join(missing)),
                               code="checklist_incomplete")
    eligibility = sharing_eligibility(agency=agreement.partner_agency, agreement=agreement, day=today)
    if not eligibility.eligible:
        raise ApplicationError(RENEWAL_PARTNER_INELIGIBLE.format(reasons=" ".join(eligibility.reasons)),
                               code="partner_ineligible")
    limit = add_one_year(today)
    new_sunset = new_sunset_date or limit
    if new_sunset > limit:
        raise ApplicationError(RENEWAL_SUNSET_TOO_LATE.format(limit=limit), code="sunset_too_late")

    agreement.ended_at, agreement.ended_by = timezone.now(), actor
    agreement.end_reason = f"Renewed on {today:%B %-d, %Y}."
    transition_apply(agreement, AgreementStatus.RENEWED, actor=actor, event_code=f"{EVENT_PREFIX}.renewed",
                     update_fields=["ended_at", "ended_by", "end_reason"], data={"renewal_id": renewal.pk},
                     **AGREEMENT_MACHINE)

    successor = Agreement(
        partner_agency=agreement.partner_agency, title=agreement.title, start_date=today, sunset_date=new_sunset,
        status=AgreementStatus.ACTIVE, renewal_of=agreement, notes=agreement.notes, created_by=actor,
        activated_at=timezone.now(), activated_by=actor,
        **{f"{side}_attests_{term}": getattr(agreement, f"{side}_attests_{term}")
           for side in ("partner", "agency") for term in AGREEMENT_TERMS},
    )
    if signed_document is not None:
        successor.signed_document_sha256 = agreement_document_store(successor.signed_document, signed_document,
                                                                    field="signed agreement")
    else:
        successor.signed_document.name = agreement.signed_document.name
        successor.signed_document_sha256 = agreement.signed_document_sha256
    successor.full_clean()
    successor.save()
    for signatory in agreement.signatories.all():
        AgreementSignatory.objects.create(agreement=successor, side=signatory.side, name=signatory.name,
                                          title=signatory.title, signed_on=signatory.signed_on)
    status_event_record(actor=actor, code=f"{EVENT_PREFIX}.activated", target=successor, old_status=None,
                        new_status=AgreementStatus.ACTIVE, data={"renewal_of": agreement.pk})

    renewal.decision = RenewalDecision.APPROVED
    renewal.successor = successor
    renewal.full_clean()
    renewal.save(update_fields=["decision", "decided_by", "decided_at", "decision_notes", "successor"])
    event_record(actor=actor, code="alprportal.agreements.renewal.approved", target=renewal,
                 data={"agreement_id": agreement.pk, "successor_id": successor.pk, "sunset_date": new_sunset})
    return renewal
