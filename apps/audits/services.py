"""Writes to query audits (R-AUD-3): draw a campaign's sample, record findings, submit, return, approve.

Every state change locks the campaign row, checks the move against CAMPAIGN_TRANSITIONS, writes the new state and a
domain event with the old and new values in one transaction; notifications go out on commit.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from apps.accounts.roles import Role
from apps.audit.models import AccessLog
from apps.audit.services import event_record
from apps.audit.transitions import row_lock, transition_apply, transition_check
from apps.audits.choices import (
    CAMPAIGN_TRANSITIONS,
    FINDINGS_NEEDING_NOTES,
    CampaignStatus,
    Finding,
    Stratification,
)
from apps.audits.hooks import flagged_seqs_between
from apps.audits.models import AuditCampaign, AuditSample
from apps.audits.risk import QueryFacts, default_weights, risk_assess
from apps.audits.sampling import PopulationEntry, draw, new_seed, sample_size_for
from apps.audits.selectors import audit_population, local_period_bounds
from apps.common.errors import ApplicationError, PermissionDeniedError
from apps.notifications.models import Severity
from apps.notifications.services import notification_send, notification_send_on_commit, notifications_resolve

NOT_AN_AUDITOR = "You may not run query audits."
NOT_A_REVIEWER = "You may not review sampled queries."
NOT_AN_APPROVER = "You may not approve audit campaigns."
PERIOD_INVALID = "The end of the audit period must not be before its start."
PERIOD_NOT_CLOSED = (
    "Audit a closed period: the period must end before today, so the sample can be redrawn from its seed."
)
SIZE_REQUIRED = "Give a sample size, or a confidence level and a margin of error."
MARGIN_INVALID = "The margin of error must be between 0.5 % and 25 %."
SAMPLE_BELOW_MINIMUM = "A sample must hold at least {minimum} queries (or the whole population, if smaller)."
EMPTY_POPULATION = "There are no user queries to audit in this period."
ILLEGAL_TRANSITION = "An audit campaign that is {current} cannot become {target}."
CAMPAIGN_NOT_IN_REVIEW = "Findings can be recorded only while the campaign is in review."
OWN_QUERY = "You cannot review your own query; another auditor must review it."
FINDING_INVALID = "Choose a finding for the sampled query."
NOTES_REQUIRED = "Say why: notes are required when a query is not necessary or needs follow-up."
PENDING_SAMPLES = "{count} sampled quer{plural} still need a finding before the campaign can be submitted."
CANNOT_APPROVE_OWN = "The person who ran an audit campaign cannot approve it; another approver must."
NOT_A_FOLLOW_UP = "This sampled query does not need follow-up."
FOLLOW_UP_ALREADY_RESOLVED = "This follow-up has already been resolved."
NOT_FOLLOW_UP_RECIPIENT = "Only the supervisor the follow-up was sent to, or the custodian, can resolve it."
RESOLUTION_REQUIRED = "Say what was done about the follow-up."


def _require(actor, permission: str, message: str) -> None:
    if actor is None or not actor.is_authenticated or not actor.has_perm(permission):
        raise PermissionDeniedError(message)


def _refused(campaign: AuditCampaign, target: str) -> ApplicationError:
    return ApplicationError(
        ILLEGAL_TRANSITION.format(current=CampaignStatus(campaign.status).label.lower(),
                                  target=CampaignStatus(target).label.lower()),
        code="illegal_transition",
    )


# The campaign's state machine, for apps.audit.transitions.
_MACHINE = {"transitions": CAMPAIGN_TRANSITIONS, "refuse": _refused}


@transaction.atomic
def audit_campaign_create(
    *,
    actor,
    title: str,
    period_start,
    period_end,
    stratification: str = Stratification.NONE,
    requested_size: int | None = None,
    confidence_level: int | None = None,
    margin_of_error: Decimal | float | None = None,
    seed: str | None = None,
    today=None,
    risk_weighted: bool = False,
) -> AuditCampaign:
    """Open a campaign and draw its sample (R-AUD-3, policy 004 §IX).

    The size is the auditor's, or Cochran's for the confidence level and margin (p = 0.5, finite population);
    either way at least PORTAL["AUDIT_SAMPLE_MIN"] (or the whole population). The custodian audits every user's
    queries; a supervisor their team's. Nobody's own queries are in their campaign. Raises PermissionDeniedError
    without ``audits.add_auditcampaign``; ApplicationError for an open or inverted period, a missing or too small
    size, or an empty population.

    ``risk_weighted`` (R-AUD-3a): over-sample plate-less searches (R-PURP-2), repeated look-ups of one plate by one
    person and queries outside the person's shift (apps.audits.risk); the weights used are stored with the campaign
    and every sample keeps its risk factors, so the same seed still redraws the same sample.
    """
    _require(actor, "audits.add_auditcampaign", NOT_AN_AUDITOR)
    today = today or timezone.localdate()
    if period_end < period_start:
        raise ApplicationError(PERIOD_INVALID, code="period_invalid")
    if period_end >= today:
        raise ApplicationError(PERIOD_NOT_CLOSED, code="period_not_closed")
    if requested_size is None and (confidence_level is None or margin_of_error is None):
        raise ApplicationError(SIZE_REQUIRED, code="size_required")
    if requested_size is None and not (Decimal("0.5") <= Decimal(str(margin_of_error)) <= Decimal("25")):
        raise ApplicationError(MARGIN_INVALID, code="margin_invalid")

    scope_supervisor = None if actor.has_role(Role.CUSTODIAN) else actor
    population_rows = audit_population(period_start=period_start, period_end=period_end,
                                       scope_supervisor=scope_supervisor, exclude_user=actor)
    stratum_field = {Stratification.USER: "username", Stratification.UNIT: "agency_name"}.get(stratification)
    rows = list(population_rows.values_list("id", "seq", stratum_field or "action", "user_id", "occurred_at",
                                            "action", "data_elements").iterator(chunk_size=20000))
    weights = default_weights() if risk_weighted else {}
    flagged = frozenset()
    if risk_weighted:
        # R-AUD-3: the log review's flags weigh in (misuse registers them: apps.audits.hooks)
        since, until = local_period_bounds(period_start, period_end)
        flagged = flagged_seqs_between(since=since, until=until)
    assessed = risk_assess((QueryFacts(row[0], row[3], row[4], row[5], row[6], row[1]) for row in rows),
                           weights=weights, flagged_seqs=flagged) if risk_weighted else {}
    population = [
        PopulationEntry(access_log_id=row_id, seq=seq, stratum=(stratum or "(none)") if stratum_field else "",
                        weight=assessed.get(row_id, ((), 1.0))[1], flags=assessed.get(row_id, ((), 1.0))[0])
        for row_id, seq, stratum, *_ in rows
    ]
    risk_population = {factor: sum(1 for flags, _ in assessed.values() if factor in flags) for factor in weights}
    if not population:
        raise ApplicationError(EMPTY_POPULATION, code="empty_population")

    minimum = min(settings.PORTAL["AUDIT_SAMPLE_MIN"], len(population))
    if requested_size is not None:
        if requested_size < minimum:
            raise ApplicationError(SAMPLE_BELOW_MINIMUM.format(minimum=settings.PORTAL["AUDIT_SAMPLE_MIN"]),
                                   code="sample_below_minimum")
        size = min(requested_size, len(population))
    else:
        size = sample_size_for(population=len(population), confidence_level=confidence_level,
                               margin_of_error=margin_of_error, minimum=minimum)

    seed = (seed or new_seed()).strip()
    drawn = draw(population=population, seed=seed, size=size,
                 stratified=stratification != Stratification.NONE, weighted=risk_weighted)
    campaign = AuditCampaign(
        title=title.strip(), period_start=period_start, period_end=period_end, created_by=actor,
        scope_supervisor=scope_supervisor, stratification=stratification, requested_size=requested_size,
        confidence_level=None if requested_size is not None else confidence_level,
        margin_of_error=None if requested_size is not None else Decimal(str(margin_of_error)),
        seed=seed, population_size=len(population), sample_size=len(drawn),
        risk_weighted=risk_weighted, risk_weights=weights, risk_population=risk_population,
    )
    campaign.full_clean()
    campaign.save()
    # Each sample keeps a frozen copy of its row: the access log is purged after its period, the audit stays.
    rows = AccessLog.objects.in_bulk([entry.access_log_id for entry in drawn])
    AuditSample.objects.bulk_create(
        AuditSample(campaign=campaign, access_log_id=entry.access_log_id, position=entry.position,
                    stratum=entry.stratum, rank_key=entry.rank_key, risk_flags=list(entry.flags),
                    risk_weight=entry.weight,
                    **AuditSample.copy_fields(rows[entry.access_log_id]))
        for entry in drawn
    )
    event_record(actor=actor, code="alprportal.audits.campaign.created", target=campaign, data={
        "period": [period_start, period_end], "seed": seed, "population": len(population), "sample": len(drawn),
        "stratification": stratification, "scope_supervisor": scope_supervisor.pk if scope_supervisor else None,
        "risk_weighted": risk_weighted, "risk_weights": weights, "risk_population": risk_population,
    })
    return campaign


def _follow_up_recipient(sample: AuditSample):
    return sample.log_user.supervisor if sample.log_user.supervisor_id else None


@transaction.atomic
def audit_sample_review(*, actor, sample: AuditSample, finding: str, notes: str = "") -> AuditSample:
    """Record whether one sampled query was necessary for the case it cited (policy 004 §IX).

    A finding may be changed while the campaign is in review (the event keeps the old value). "Not necessary" and
    "needs follow-up" need notes; a follow-up alerts the queried person's supervisor (the custodian when they have
    none). Refused: without ``audits.review_auditcampaign``, outside review, or for the reviewer's own query.
    """
    _require(actor, "audits.review_auditcampaign", NOT_A_REVIEWER)
    campaign = row_lock(sample.campaign)
    sample = AuditSample.objects.select_for_update(of=("self",)).select_related(
        "log_user__supervisor"
    ).get(pk=sample.pk)
    if campaign.status != CampaignStatus.IN_REVIEW:
        raise ApplicationError(CAMPAIGN_NOT_IN_REVIEW, code="campaign_not_in_review")
    if sample.log_user_id == actor.pk:
        raise ApplicationError(OWN_QUERY, code="own_query")
    if finding not in Finding.values or finding == Finding.PENDING:
        raise ApplicationError(FINDING_INVALID, code="finding_invalid")
    notes = (notes or "").strip()
    if finding in FINDINGS_NEEDING_NOTES and not notes:
        raise ApplicationError(NOTES_REQUIRED, code="notes_required")

    old = {"finding": sample.finding, "notes": sample.notes}
    sample.finding, sample.notes = finding, notes
    sample.reviewed_by, sample.reviewed_at = actor, timezone.now()
    recipient = None
    if finding == Finding.FOLLOW_UP:
        recipient = _follow_up_recipient(sample)
        sample.follow_up_recipient = recipient
    else:
        sample.follow_up_recipient = None
    sample.full_clean()
    sample.save(update_fields=["finding", "notes", "reviewed_by", "reviewed_at", "follow_up_recipient"])
    event_record(actor=actor, code="alprportal.audits.sample.reviewed", target=sample, data={
        "campaign": campaign.pk, "access_log_seq": sample.log_seq, "old": old,
        "new": {"finding": finding, "notes": notes},
    })
    if finding == Finding.FOLLOW_UP:
        queried = sample.log_username
        notification_send(
            recipients=[recipient] if recipient else [],
            roles=[] if recipient else [Role.CUSTODIAN],
            title=f"Query audit follow-up: a query by {queried} needs your attention",
            body=(f"{campaign.title}: the reviewer found that query #{sample.log_seq} "
                  f"({sample.log_occurred_at:%Y-%m-%d}) needs follow-up. Record what was done."),
            link=reverse("audits:follow_ups"), severity=Severity.WARNING,
            dedupe_key=f"audits.follow_up.{sample.pk}",
        )
    return sample


@transaction.atomic
def audit_campaign_submit(*, actor, campaign: AuditCampaign) -> AuditCampaign:
    """In review → submitted, once every sampled query has a finding."""
    _require(actor, "audits.review_auditcampaign", NOT_A_REVIEWER)
    campaign = row_lock(campaign)
    pending = campaign.samples.filter(finding=Finding.PENDING).count()
    if campaign.status == CampaignStatus.IN_REVIEW and pending:
        raise ApplicationError(PENDING_SAMPLES.format(count=pending, plural="y" if pending == 1 else "ies"),
                               code="pending_samples")
    transition_check(campaign, CampaignStatus.SUBMITTED, **_MACHINE)
    old = transition_apply(campaign, CampaignStatus.SUBMITTED, actor=actor,
                           event_code="alprportal.audits.campaign.submitted",
                           changes={"submitted_at": timezone.now(), "submitted_by": actor}, **_MACHINE).old_status
    notification_send_on_commit(
        roles=[Role.CUSTODIAN], title=f"Audit campaign submitted for approval: {campaign.title}",
        link=reverse("audits:detail", args=[campaign.pk]), dedupe_key=f"audits.submitted.{campaign.pk}.{old}",
    )
    return campaign


@transaction.atomic
def audit_campaign_return(*, actor, campaign: AuditCampaign, reason: str) -> AuditCampaign:
    """Submitted → in review, with the approver's reason (e.g. a finding needs a better note)."""
    _require(actor, "audits.approve_auditcampaign", NOT_AN_APPROVER)
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError("Say why the campaign goes back to review.", code="reason_required")
    campaign = row_lock(campaign)
    transition_check(campaign, CampaignStatus.IN_REVIEW, **_MACHINE)
    transition_apply(campaign, CampaignStatus.IN_REVIEW, actor=actor, event_code="alprportal.audits.campaign.returned",
                     changes={"submitted_at": None, "submitted_by": None}, data={"reason": reason}, **_MACHINE)
    notifications_resolve(dedupe_prefixes=[f"audits.submitted.{campaign.pk}."])  # the approval asked is answered
    return campaign


@transaction.atomic
def audit_campaign_approve(*, actor, campaign: AuditCampaign, note: str = "") -> AuditCampaign:
    """Submitted → approved by a named person who did not run the campaign. Its findings then count in the
    oversight reports as approved."""
    _require(actor, "audits.approve_auditcampaign", NOT_AN_APPROVER)
    campaign = row_lock(campaign)
    if campaign.created_by_id == actor.pk:
        raise ApplicationError(CANNOT_APPROVE_OWN, code="cannot_approve_own")
    transition_check(campaign, CampaignStatus.APPROVED, **_MACHINE)
    note = (note or "").strip()
    transition_apply(campaign, CampaignStatus.APPROVED, actor=actor, event_code="alprportal.audits.campaign.approved",
                     changes={"approved_by": actor, "approved_at": timezone.now(), "approval_note": note},
                     data={"note": note}, **_MACHINE)
    notifications_resolve(dedupe_prefixes=[f"audits.submitted.{campaign.pk}."])  # issue #17: the alert clears
    return campaign


@transaction.atomic
def audit_follow_up_resolve(*, actor, sample: AuditSample, resolution: str) -> AuditSample:
    """The supervisor (or the custodian) records what was done about a follow-up finding."""
    sample = AuditSample.objects.select_for_update().get(pk=sample.pk)
    if sample.finding != Finding.FOLLOW_UP:
        raise ApplicationError(NOT_A_FOLLOW_UP, code="not_a_follow_up")
    if sample.follow_up_resolved_at is not None:
        raise ApplicationError(FOLLOW_UP_ALREADY_RESOLVED, code="follow_up_resolved")
    is_lead = actor.has_role(Role.CUSTODIAN) and actor.has_perm("audits.view_auditcampaign")
    if sample.follow_up_recipient_id != actor.pk and not is_lead:
        raise PermissionDeniedError(NOT_FOLLOW_UP_RECIPIENT)
    resolution = (resolution or "").strip()
    if not resolution:
        raise ApplicationError(RESOLUTION_REQUIRED, code="resolution_required")
    sample.follow_up_resolution, sample.follow_up_resolved_by = resolution, actor
    sample.follow_up_resolved_at = timezone.now()
    sample.full_clean()
    sample.save(update_fields=["follow_up_resolution", "follow_up_resolved_by", "follow_up_resolved_at"])
    event_record(actor=actor, code="alprportal.audits.follow_up.resolved", target=sample,
                 data={"campaign": sample.campaign_id, "resolution": resolution})
    notifications_resolve(dedupe_keys=[f"audits.follow_up.{sample.pk}"])
    return sample


NOT_AN_INSPECTOR = "You may not record audit-trail inspections."
INSPECTION_BROKEN_TITLE = "Audit-trail inspection: the access log's chain is BROKEN at row #{seq}"


@transaction.atomic
def audit_trail_inspection_run(*, actor, note: str = "", unannounced: bool = False):
    """Run and record an inspection of the audit trail (R-AUD-3a, policy 004 §IX): verify the access log's hash
    chain, purge checkpoints and signed anchors now, and record the outcome with the inspector and their note.

    A broken chain is recorded as such (the inspection was done; what it found is the point) and alerts the
    custodian and the system administrators at once. Raises PermissionDeniedError without
    ``audits.add_audittrailinspection``.
    """
    from apps.audit.selectors import access_log_verify_chain
    from apps.audits.choices import InspectionResult
    from apps.audits.models import AuditTrailInspection

    _require(actor, "audits.add_audittrailinspection", NOT_AN_INSPECTOR)
    result = access_log_verify_chain()
    inspection = AuditTrailInspection(
        performed_at=timezone.now(), performed_by=actor, unannounced=bool(unannounced),
        result=InspectionResult.INTACT if result.ok else InspectionResult.BROKEN,
        rows_checked=result.rows_checked, starts_at_seq=result.starts_at_seq, last_seq=result.last_seq,
        checkpoints_checked=result.checkpoints_checked, anchors_checked=result.anchors_checked,
        anchored_seq=result.anchored_seq, anchored_hash=result.anchored_hash or "",
        first_broken_seq=None if result.ok else result.first_broken_seq,
        problem="" if result.ok else (result.problem or "The chain does not verify."), note=(note or "").strip(),
    )
    inspection.full_clean()
    inspection.save()
    event_record(actor=actor, code="alprportal.audits.inspection.recorded", target=inspection, data={
        "result": inspection.result, "rows_checked": inspection.rows_checked, "anchored_seq": inspection.anchored_seq,
        "first_broken_seq": inspection.first_broken_seq, "unannounced": inspection.unannounced,
    })
    if not result.ok:
        notification_send_on_commit(
            roles=[Role.CUSTODIAN, Role.SYSADMIN],
            title=INSPECTION_BROKEN_TITLE.format(seq=inspection.first_broken_seq),
            body=inspection.problem, link=reverse("audits:schedule"), severity=Severity.CRITICAL,
            dedupe_key=f"audits.inspection.broken.{inspection.pk}",
        )
    return inspection


def audits_alert_due(*, today=None) -> list[str]:
    """Daily (R-AUD-3a): warn the custodian PORTAL["AUDIT_DUE_SOON_DAYS"] before the yearly audit campaign or the
    audit-trail inspection falls due, and alert (critical) once it is late. Idempotent: one alert per audit, due
    date and kind of alert (dedupe keys), so a daily run repeats nothing. Returns the kinds alerted."""
    from apps.audits.selectors import audit_schedule

    alerted = []
    for item in audit_schedule(today=today):
        if item.state == "ok":
            continue
        overdue = item.state == "overdue"
        sent = notification_send(
            roles=[Role.CUSTODIAN],
            title=(f"{item.label} overdue: it was due {item.due_on:%B %-d, %Y}" if overdue
                   else f"{item.label} due {item.due_on:%B %-d, %Y}"),
            body=("Policy 004 §IX: audits at least annually, and an annual inspection of the audit trail. "
                  + (f"Last done {item.last_done:%B %-d, %Y}." if item.last_done else "Never done yet.")),
            link=reverse("audits:schedule"), severity=Severity.CRITICAL if overdue else Severity.WARNING,
            dedupe_key=f"audits.schedule.{item.kind}.{item.state}.{item.due_on.isoformat()}",
        )
        if sent:
            alerted.append(item.kind)
    return alerted
