"""An agreement's status edges (R-SHR-2): activate, renewal due, expire, terminate. Each goes through
apps.audit.transitions (lock, edge check against AGREEMENT_TRANSITIONS, save, event in one transaction, R-AUD-2);
notifications go out on commit."""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.utils import timezone

from apps.accounts.roles import Role
from apps.agreements.choices import IN_FORCE_STATUSES, AgreementStatus, RenewalDecision, SignatorySide
from apps.agreements.eligibility import sharing_eligibility
from apps.agreements.models import Agreement, AgreementRenewal
from apps.agreements.services.machine import (
    AGREEMENT_LOCK_RELATED,
    AGREEMENT_MACHINE,
    EVENT_PREFIX,
    agreement_manager_require,
)
from apps.audit.transitions import row_lock, transition_apply, transition_check
from apps.common.errors import ApplicationError
from apps.notifications.models import Severity
from apps.notifications.services import notification_send_on_commit

ACTIVATE_NEEDS_DOCUMENT = "Upload the signed agreement (PDF) before activating it."
ACTIVATE_NEEDS_SIGNATORIES = "Record at least one signatory for each agency before activating the agreement."
ACTIVATE_NEEDS_ATTESTATIONS = "Both agencies must attest to every term before the agreement is activated: {missing}."
ACTIVATE_PARTNER_INELIGIBLE = "This agency may not receive ALPR data, so the agreement cannot be activated: {reasons}"
ACTIVATE_AFTER_SUNSET = "The sunset date ({sunset:%B %-d, %Y}) has passed; the agreement cannot be activated."
ACTIVATE_OTHER_IN_FORCE = "{agency} already has an agreement in force (“{title}”); end or renew that one instead."
EXPIRE_BEFORE_SUNSET = "The agreement's sunset is {sunset:%B %-d, %Y}; it cannot expire before then."
REASON_REQUIRED = "Give the reason."


def _partner_people(agency):
    from apps.accounts.models import User

    return User.objects.filter(agency=agency, is_active=True, groups__name=Role.PARTNER_REQUESTER).distinct()


@transaction.atomic
def agreement_activate(*, actor, agreement: Agreement, today: date | None = None) -> Agreement:
    """draft → active. Needs the signed PDF, a signatory per side, every term attested by both sides, an eligible
    partner (R-SHR-1) and no other agreement in force with it."""
    agreement_manager_require(actor)
    today = today or timezone.localdate()
    agreement = row_lock(agreement, related=AGREEMENT_LOCK_RELATED)
    transition_check(agreement, AgreementStatus.ACTIVE, **AGREEMENT_MACHINE)
    if not agreement.signed_document:
        raise ApplicationError(ACTIVATE_NEEDS_DOCUMENT, code="document_required")
    sides = set(agreement.signatories.values_list("side", flat=True))
    if sides != {SignatorySide.OURS, SignatorySide.PARTNER}:
        raise ApplicationError(ACTIVATE_NEEDS_SIGNATORIES, code="signatories_required")
    missing = agreement.missing_attestations()
    if missing:
        raise ApplicationError(ACTIVATE_NEEDS_ATTESTATIONS.format(missing="; ".join(missing)),
                               code="attestations_required")
    if today >= agreement.sunset_date:
        raise ApplicationError(ACTIVATE_AFTER_SUNSET.format(sunset=agreement.sunset_date), code="after_sunset")
    eligibility = sharing_eligibility(agency=agreement.partner_agency, agreement=None, day=today)
    if not eligibility.agency_eligible:
        raise ApplicationError(ACTIVATE_PARTNER_INELIGIBLE.format(reasons=" ".join(eligibility.reasons)),
                               code="partner_ineligible")
    other = (Agreement.objects.filter(partner_agency=agreement.partner_agency, status__in=IN_FORCE_STATUSES)
             .exclude(pk=agreement.pk).first())
    if other is not None:
        raise ApplicationError(ACTIVATE_OTHER_IN_FORCE.format(agency=agreement.partner_agency, title=other.title),
                               code="other_in_force")
    agreement.activated_at = timezone.now()
    agreement.activated_by = actor
    transition_apply(agreement, AgreementStatus.ACTIVE, actor=actor, event_code=f"{EVENT_PREFIX}.activated",
                     update_fields=["activated_at", "activated_by"], **AGREEMENT_MACHINE)
    return agreement


@transaction.atomic
def agreement_mark_renewal_due(*, actor, agreement: Agreement, reason: str) -> Agreement:
    """active → renewal due: the sunset is near (daily job) or the partner applied for renewal."""
    agreement_manager_require(actor)
    agreement = row_lock(agreement, related=AGREEMENT_LOCK_RELATED)
    transition_check(agreement, AgreementStatus.RENEWAL_DUE, **AGREEMENT_MACHINE)
    transition_apply(agreement, AgreementStatus.RENEWAL_DUE, actor=actor, event_code=f"{EVENT_PREFIX}.renewal_due",
                     data={"reason": reason}, **AGREEMENT_MACHINE)
    return agreement


def _lapse_pending_renewals(agreement: Agreement, *, actor, why: str) -> None:
    for renewal in AgreementRenewal.objects.select_for_update().filter(agreement=agreement,
                                                                      decision=RenewalDecision.PENDING):
        renewal.decision = RenewalDecision.LAPSED
        renewal.decided_at = timezone.now()
        renewal.decision_notes = why
        renewal.save(update_fields=["decision", "decided_at", "decision_notes"])


@transaction.atomic
def agreement_expire(*, actor, agreement: Agreement, today: date | None = None) -> Agreement:
    """active / renewal due → expired, on or after the sunset day (R-SHR-2). Sharing had already stopped at the
    sunset (eligibility checks the date live); this records it, lapses an undecided renewal and tells people."""
    agreement_manager_require(actor)
    today = today or timezone.localdate()
    agreement = row_lock(agreement, related=AGREEMENT_LOCK_RELATED)
    transition_check(agreement, AgreementStatus.EXPIRED, **AGREEMENT_MACHINE)
    if today < agreement.sunset_date:
        raise ApplicationError(EXPIRE_BEFORE_SUNSET.format(sunset=agreement.sunset_date), code="before_sunset")
    agreement.ended_at = timezone.now()
    agreement.ended_by = actor if getattr(actor, "pk", None) else None
    agreement.end_reason = f"Reached its sunset on {agreement.sunset_date:%B %-d, %Y} without renewal."
    transition_apply(agreement, AgreementStatus.EXPIRED, actor=actor, event_code=f"{EVENT_PREFIX}.expired",
                     update_fields=["ended_at", "ended_by", "end_reason"], data={"sunset_date": agreement.sunset_date},
                     **AGREEMENT_MACHINE)
    _lapse_pending_renewals(agreement, actor=actor, why="The agreement expired before a decision.")
    title = f"Agreement with {agreement.partner_agency} expired"
    body = (f"“{agreement.title}” reached its sunset on {agreement.sunset_date:%B %-d, %Y}. ALPR data is no longer "
            "shared under it; requests made under it can no longer be approved.")
    notification_send_on_commit(
        roles=[Role.CUSTODIAN], recipients=_partner_people(agreement.partner_agency), title=title, body=body,
        severity=Severity.WARNING, dedupe_key=f"agreement-expired-{agreement.pk}",
    )
    return agreement


@transaction.atomic
def agreement_terminate(*, actor, agreement: Agreement, reason: str) -> Agreement:
    """draft / active / renewal due → terminated, with the reason. Sharing under it stops at once."""
    agreement_manager_require(actor)
    if not (reason or "").strip():
        raise ApplicationError(REASON_REQUIRED, code="reason_required")
    agreement = row_lock(agreement, related=AGREEMENT_LOCK_RELATED)
    transition_check(agreement, AgreementStatus.TERMINATED, **AGREEMENT_MACHINE)
    agreement.ended_at = timezone.now()
    agreement.ended_by = actor
    agreement.end_reason = reason.strip()
    transition_apply(agreement, AgreementStatus.TERMINATED, actor=actor, event_code=f"{EVENT_PREFIX}.terminated",
                     update_fields=["ended_at", "ended_by", "end_reason"], data={"reason": reason.strip()},
                     **AGREEMENT_MACHINE)
    _lapse_pending_renewals(agreement, actor=actor, why="The agreement was terminated.")
    return agreement
