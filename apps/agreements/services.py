"""Writes to agreements: one service per status edge, each locking the row, checking the state, writing, and
recording a domain event in one transaction (R-SHR-2, R-AUD-2). Notifications go out on commit."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import date

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from apps.accounts.roles import Role
from apps.agencies.services import agency_set_ag_flag
from apps.agreements.choices import (
    AGREEMENT_TERMS,
    AGREEMENT_TRANSITIONS,
    IN_FORCE_STATUSES,
    AgreementStatus,
    RenewalDecision,
    SignatorySide,
)
from apps.agreements.documents import document_validate
from apps.agreements.eligibility import sharing_eligibility
from apps.agreements.models import Agreement, AgreementRenewal, AgreementSignatory, add_one_year
from apps.agreements.selectors import agreement_list_due_for_sweep
from apps.audit.services import event_record
from apps.audit.transitions import row_lock, status_event_record, transition_apply, transition_check
from apps.common.errors import ApplicationError, PermissionDeniedError
from apps.notifications.models import Severity
from apps.notifications.services import notification_send

logger = logging.getLogger("alprportal.agreements")

NOT_ALLOWED = "You may not manage inter-agency agreements."
ILLEGAL_TRANSITION = "The agreement is {current}; it cannot become {target}."
ONLY_DRAFTS_EDITABLE = "Only a draft agreement can be edited; this one is {current}."
ACTIVATE_NEEDS_DOCUMENT = "Upload the signed agreement (PDF) before activating it."
ACTIVATE_NEEDS_SIGNATORIES = "Record at least one signatory for each agency before activating the agreement."
ACTIVATE_NEEDS_ATTESTATIONS = "Both agencies must attest to every term before the agreement is activated: {missing}."
ACTIVATE_PARTNER_INELIGIBLE = "This agency may not receive ALPR data, so the agreement cannot be activated: {reasons}"
ACTIVATE_AFTER_SUNSET = "The sunset date ({sunset:%B %-d, %Y}) has passed; the agreement cannot be activated."
ACTIVATE_OTHER_IN_FORCE = "{agency} already has an agreement in force (“{title}”); end or renew that one instead."
EXPIRE_BEFORE_SUNSET = "The agreement's sunset is {sunset:%B %-d, %Y}; it cannot expire before then."
REASON_REQUIRED = "Give the reason."
RENEWAL_NOT_OPEN = "A renewal can be recorded only for an agreement in force; this one is {current}."
RENEWAL_ALREADY_PENDING = "A renewal application for this agreement is already waiting for a decision."
RENEWAL_DECIDED = "This renewal was already decided ({decision})."
RENEWAL_CHECKLIST_INCOMPLETE = (
    "The renewal review is incomplete: {missing}. Complete the checklist before renewing (R-SHR-2)."
)
RENEWAL_PARTNER_INELIGIBLE = "The partner may not receive ALPR data, so the agreement cannot be renewed: {reasons}"
RENEWAL_AFTER_SUNSET = "The agreement reached its sunset on {sunset:%B %-d, %Y}; it can no longer be renewed."
RENEWAL_SUNSET_TOO_LATE = "The renewed term may run at most one year, until {limit:%B %-d, %Y} (R-SHR-2)."

EVENT_PREFIX = "alprportal.agreements.agreement"


def _require_manager(actor) -> None:
    if actor is None:
        return  # the daily job
    if not actor.has_perm("agreements.change_agreement"):
        raise PermissionDeniedError(NOT_ALLOWED, code="agreements_not_allowed")


def _refused(agreement: Agreement, target: str) -> ApplicationError:
    return ApplicationError(
        ILLEGAL_TRANSITION.format(current=agreement.get_status_display().lower(),
                                  target=AgreementStatus(target).label.lower()),
        code="illegal_transition", extra={"from": agreement.status, "to": target},
    )


# The agreement's state machine, for apps.audit.transitions.
_MACHINE = {"transitions": AGREEMENT_TRANSITIONS, "refuse": _refused}
_LOCK_RELATED = ("partner_agency",)


def _store_document(field_file, uploaded, *, field: str) -> str:
    document = document_validate(uploaded, field=field, allowed=("pdf",))
    field_file.save("document.pdf", ContentFile(document.content), save=False)
    return document.sha256


def _partner_people(agency):
    from apps.accounts.models import User

    return User.objects.filter(agency=agency, is_active=True, groups__name=Role.PARTNER_REQUESTER).distinct()


EDITABLE_DRAFT_FIELDS = frozenset({"partner_agency", "title", "start_date", "sunset_date", "notes"} | {
    f"{side}_attests_{term}" for side in ("partner", "agency") for term in AGREEMENT_TERMS})


@transaction.atomic
def agreement_save_draft(*, actor, agreement: Agreement, signed_document=None) -> Agreement:
    """Save a new or changed *draft* agreement (the admin's add/change form ends here). Anything but a draft is a
    signed record and stays as it is. The sunset is validated (≤ one year, R-SHR-2); the PDF is decoded."""
    _require_manager(actor)
    creating = agreement.pk is None
    if not creating:
        current = row_lock(agreement, related=_LOCK_RELATED)
        if current.status != AgreementStatus.DRAFT:
            raise ApplicationError(ONLY_DRAFTS_EDITABLE.format(current=current.get_status_display().lower()),
                                   code="not_a_draft")
        changed = [name for name in sorted(EDITABLE_DRAFT_FIELDS)
                   if getattr(current, name) != getattr(agreement, name)]
        agreement.status = current.status
    else:
        agreement.status = AgreementStatus.DRAFT
        agreement.created_by = actor if getattr(actor, "pk", None) else None
        changed = []
    if signed_document is not None:
        agreement.signed_document_sha256 = _store_document(agreement.signed_document, signed_document,
                                                           field="signed agreement")
        changed += ["signed_document", "signed_document_sha256"]
    agreement.full_clean()
    if creating:
        agreement.save()
        event_record(actor=actor, code=f"{EVENT_PREFIX}.created", target=agreement,
                     data={"partner_agency": agreement.partner_agency.name, "start_date": agreement.start_date,
                           "sunset_date": agreement.sunset_date})
    elif changed:
        agreement.save(update_fields=changed)
        event_record(actor=actor, code=f"{EVENT_PREFIX}.draft_updated", target=agreement,
                     data={"fields": changed})
    return agreement


@transaction.atomic
def agreement_create(
    *, actor, partner_agency, title: str, start_date: date, sunset_date: date, signed_document=None,
    attestations: dict[str, bool] | None = None, signatories: Iterable[dict] = (), notes: str = "",
) -> Agreement:
    """Record a draft agreement (R-SHR-2). ``attestations`` maps ``partner_attests_<term>``/``agency_attests_<term>``
    to booleans; ``signatories`` are dicts of side, name, title, signed_on."""
    agreement = Agreement(partner_agency=partner_agency, title=title, start_date=start_date, sunset_date=sunset_date,
                          notes=notes)
    for name, value in (attestations or {}).items():
        if name not in EDITABLE_DRAFT_FIELDS or "_attests_" not in name:
            raise ApplicationError(f"Unknown agreement term “{name}”.", code="unknown_term")
        setattr(agreement, name, bool(value))
    agreement = agreement_save_draft(actor=actor, agreement=agreement, signed_document=signed_document)
    for signatory in signatories:
        agreement_signatory_add(actor=actor, agreement=agreement, **signatory)
    return agreement


@transaction.atomic
def agreement_signatory_add(*, actor, agreement: Agreement, side: str, name: str, title: str,
                            signed_on: date) -> AgreementSignatory:
    _require_manager(actor)
    if Agreement.objects.filter(pk=agreement.pk).exclude(status=AgreementStatus.DRAFT).exists():
        raise ApplicationError(ONLY_DRAFTS_EDITABLE.format(current=agreement.get_status_display().lower()),
                               code="not_a_draft")
    signatory = AgreementSignatory(agreement=agreement, side=side, name=name, title=title, signed_on=signed_on)
    signatory.full_clean()
    signatory.save()
    return signatory


@transaction.atomic
def agreement_activate(*, actor, agreement: Agreement, today: date | None = None) -> Agreement:
    """draft → active. Needs the signed PDF, a signatory per side, every term attested by both sides, an eligible
    partner (R-SHR-1) and no other agreement in force with it."""
    _require_manager(actor)
    today = today or timezone.localdate()
    agreement = row_lock(agreement, related=_LOCK_RELATED)
    transition_check(agreement, AgreementStatus.ACTIVE, **_MACHINE)
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
                     update_fields=["activated_at", "activated_by"], **_MACHINE)
    return agreement


@transaction.atomic
def agreement_mark_renewal_due(*, actor, agreement: Agreement, reason: str) -> Agreement:
    """active → renewal due: the sunset is near (daily job) or the partner applied for renewal."""
    _require_manager(actor)
    agreement = row_lock(agreement, related=_LOCK_RELATED)
    transition_check(agreement, AgreementStatus.RENEWAL_DUE, **_MACHINE)
    transition_apply(agreement, AgreementStatus.RENEWAL_DUE, actor=actor, event_code=f"{EVENT_PREFIX}.renewal_due",
                     data={"reason": reason}, **_MACHINE)
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
    _require_manager(actor)
    today = today or timezone.localdate()
    agreement = row_lock(agreement, related=_LOCK_RELATED)
    transition_check(agreement, AgreementStatus.EXPIRED, **_MACHINE)
    if today < agreement.sunset_date:
        raise ApplicationError(EXPIRE_BEFORE_SUNSET.format(sunset=agreement.sunset_date), code="before_sunset")
    agreement.ended_at = timezone.now()
    agreement.ended_by = actor if getattr(actor, "pk", None) else None
    agreement.end_reason = f"Reached its sunset on {agreement.sunset_date:%B %-d, %Y} without renewal."
    transition_apply(agreement, AgreementStatus.EXPIRED, actor=actor, event_code=f"{EVENT_PREFIX}.expired",
                     update_fields=["ended_at", "ended_by", "end_reason"], data={"sunset_date": agreement.sunset_date},
                     **_MACHINE)
    _lapse_pending_renewals(agreement, actor=actor, why="The agreement expired before a decision.")
    title = f"Agreement with {agreement.partner_agency} expired"
    body = (f"“{agreement.title}” reached its sunset on {agreement.sunset_date:%B %-d, %Y}. ALPR data is no longer "
            "shared under it; requests made under it can no longer be approved.")
    transaction.on_commit(lambda: notification_send(
        roles=[Role.CUSTODIAN], recipients=_partner_people(agreement.partner_agency), title=title, body=body,
        severity=Severity.WARNING, dedupe_key=f"agreement-expired-{agreement.pk}",
    ))
    return agreement


@transaction.atomic
def agreement_terminate(*, actor, agreement: Agreement, reason: str) -> Agreement:
    """draft / active / renewal due → terminated, with the reason. Sharing under it stops at once."""
    _require_manager(actor)
    if not (reason or "").strip():
        raise ApplicationError(REASON_REQUIRED, code="reason_required")
    agreement = row_lock(agreement, related=_LOCK_RELATED)
    transition_check(agreement, AgreementStatus.TERMINATED, **_MACHINE)
    agreement.ended_at = timezone.now()
    agreement.ended_by = actor
    agreement.end_reason = reason.strip()
    transition_apply(agreement, AgreementStatus.TERMINATED, actor=actor, event_code=f"{EVENT_PREFIX}.terminated",
                     update_fields=["ended_at", "ended_by", "end_reason"], data={"reason": reason.strip()},
                     **_MACHINE)
    _lapse_pending_renewals(agreement, actor=actor, why="The agreement was terminated.")
    return agreement


@transaction.atomic
def agreement_renewal_apply(*, actor, agreement: Agreement, application_document, received_on: date,
                            applicant_name: str) -> AgreementRenewal:
    """Record the partner's application for renewal (PDF); an active agreement becomes *renewal due*."""
    _require_manager(actor)
    agreement = row_lock(agreement, related=_LOCK_RELATED)
    if agreement.status not in IN_FORCE_STATUSES:
        raise ApplicationError(RENEWAL_NOT_OPEN.format(current=agreement.get_status_display().lower()),
                               code="renewal_not_open")
    if AgreementRenewal.objects.filter(agreement=agreement, decision=RenewalDecision.PENDING).exists():
        raise ApplicationError(RENEWAL_ALREADY_PENDING, code="renewal_pending")
    if not (applicant_name or "").strip():
        raise ApplicationError("Name the person who applied for the partner agency.", code="applicant_required")
    renewal = AgreementRenewal(agreement=agreement, application_received_on=received_on,
                               applicant_name=applicant_name.strip(), recorded_by=actor)
    renewal.application_document_sha256 = _store_document(renewal.application_document, application_document,
                                                           field="renewal application")
    renewal.full_clean()
    renewal.save()
    if agreement.status == AgreementStatus.ACTIVE:
        transition_apply(agreement, AgreementStatus.RENEWAL_DUE, actor=actor, event_code=f"{EVENT_PREFIX}.renewal_due",
                         data={"reason": "The partner applied for renewal.", "renewal_id": renewal.pk}, **_MACHINE)
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
    _require_manager(actor)
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
    _require_manager(actor)
    today = today or timezone.localdate()
    renewal = AgreementRenewal.objects.select_for_update().get(pk=renewal.pk)
    if renewal.decision != RenewalDecision.PENDING:
        raise ApplicationError(RENEWAL_DECIDED.format(decision=renewal.get_decision_display().lower()),
                               code="renewal_decided")
    agreement = row_lock(renewal.agreement, related=_LOCK_RELATED)
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

    transition_check(agreement, AgreementStatus.RENEWED, **_MACHINE)
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
                     **_MACHINE)

    successor = Agreement(
        partner_agency=agreement.partner_agency, title=agreement.title, start_date=today, sunset_date=new_sunset,
        status=AgreementStatus.ACTIVE, renewal_of=agreement, notes=agreement.notes, created_by=actor,
        activated_at=timezone.now(), activated_by=actor,
        **{f"{side}_attests_{term}": getattr(agreement, f"{side}_attests_{term}")
           for side in ("partner", "agency") for term in AGREEMENT_TERMS},
    )
    if signed_document is not None:
        successor.signed_document_sha256 = _store_document(successor.signed_document, signed_document,
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


def agreement_sunset_warn(*, agreement: Agreement, today: date | None = None) -> list:
    """Warn the custodian once per threshold (60, 30, 7 days by default) that the sunset is near: the tightest
    threshold reached, so a job that missed days does not send stale warnings. Returns the alerts sent."""
    today = today or timezone.localdate()
    days_left = agreement.days_to_sunset(today)
    window = min((t for t in settings.PORTAL["AGREEMENT_SUNSET_WARNING_DAYS"] if days_left <= t), default=None)
    if window is None or days_left <= 0:
        return []
    return notification_send(
        roles=[Role.CUSTODIAN],
        title=f"Agreement with {agreement.partner_agency} ends in {days_left} days",
        body=(f"“{agreement.title}” reaches its sunset on {agreement.sunset_date:%B %-d, %Y}. Sharing stops that day "
              "unless the renewal review (compliance, Attorney General list) is done and the renewal approved."),
        link=f"/admin/agreements/agreement/{agreement.pk}/change/",
        severity=Severity.WARNING if window > 7 else Severity.CRITICAL,
        dedupe_key=f"agreement-sunset-{agreement.pk}-{agreement.sunset_date:%Y%m%d}-{window}",
    )


def agreement_sunset_sweep(*, today: date | None = None) -> dict[str, int]:
    """The daily job (idempotent, resumable): expire agreements whose sunset day has come; mark agreements within
    the first warning window *renewal due*; warn the custodian 60, 30 and 7 days before a sunset (each once)."""
    today = today or timezone.localdate()
    thresholds = sorted(settings.PORTAL["AGREEMENT_SUNSET_WARNING_DAYS"])
    counts = {"expired": 0, "renewal_due": 0, "warned": 0}
    for agreement in agreement_list_due_for_sweep(day=today).select_related("partner_agency"):
        days_left = agreement.days_to_sunset(today)
        try:
            if days_left <= 0:
                agreement_expire(actor=None, agreement=agreement, today=today)
                counts["expired"] += 1
                continue
            if thresholds and days_left <= max(thresholds) and agreement.status == AgreementStatus.ACTIVE:
                agreement_mark_renewal_due(actor=None, agreement=agreement,
                                           reason=f"The sunset is {days_left} days away.")
                counts["renewal_due"] += 1
            counts["warned"] += len(agreement_sunset_warn(agreement=agreement, today=today))
        except ApplicationError:
            # Another worker moved it first; tomorrow's run sees the new state.
            logger.info("Agreement %s changed during the sunset sweep; skipped.", agreement.pk)
    return counts
