"""Reads of query audits. Auditors see the sampled entries of the campaigns they may see, nothing else (R-AUD-3);
oversight sees campaign summaries only (R-ACC-1)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from apps.accounts.roles import Role
from apps.audit.choices import Purpose, SystemPurpose
from apps.audit.models import AccessLog
from apps.audit.services import access_log_record
from apps.audits.choices import CampaignStatus, Finding
from apps.audits.models import AuditCampaign, AuditSample


def local_period_bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """[start 00:00, the day after end 00:00) in the agency's time zone."""
    tz = timezone.get_current_timezone()
    return (timezone.make_aware(datetime.combine(start, time.min), tz),
            timezone.make_aware(datetime.combine(end + timedelta(days=1), time.min), tz))


def audit_population(*, period_start: date, period_end: date, scope_supervisor=None,
                     exclude_user=None) -> QuerySet[AccessLog]:
    """The queries an audit samples from: access-log rows with an investigative purpose (R-PURP) in the period —
    the portal's own oversight and records reviews are not user queries. A supervisor's audit covers their team;
    nobody audits their own queries."""
    since, until = local_period_bounds(period_start, period_end)
    rows = AccessLog.objects.filter(occurred_at__gte=since, occurred_at__lt=until, purpose__in=Purpose.values)
    if scope_supervisor is not None:
        rows = rows.filter(user__supervisor=scope_supervisor)
    if exclude_user is not None:
        rows = rows.exclude(user=exclude_user)
    return rows


def _is_audit_lead(user) -> bool:
    return user.has_role(Role.CUSTODIAN) and user.has_perm("audits.view_auditcampaign")


def audit_campaign_list_visible_to(*, user) -> QuerySet[AuditCampaign]:
    """The custodian sees every campaign; a supervisor the campaigns they ran; everyone else none (so a hidden
    campaign is a 404)."""
    campaigns = AuditCampaign.objects.select_related("created_by", "approved_by", "scope_supervisor")
    if not user.is_authenticated or not user.has_perm("audits.view_auditcampaign"):
        return campaigns.none()
    if _is_audit_lead(user):
        return campaigns
    if user.has_role(Role.SUPERVISOR):
        return campaigns.filter(Q(created_by=user) | Q(scope_supervisor=user))
    return campaigns.none()


def with_finding_counts(campaigns: QuerySet[AuditCampaign]) -> QuerySet[AuditCampaign]:
    def count(finding):
        return Count("samples", filter=Q(samples__finding=finding))

    counted = campaigns.annotate(
        count_necessary=count(Finding.NECESSARY), count_not_necessary=count(Finding.NOT_NECESSARY),
        count_follow_up=count(Finding.FOLLOW_UP), count_pending=count(Finding.PENDING),
        count_follow_up_open=Count("samples", filter=Q(samples__finding=Finding.FOLLOW_UP,
                                                       samples__follow_up_resolved_at__isnull=True)),
    )
    # Django leaves Meta.ordering out of a GROUP BY query: without this the list's pages could repeat or skip a
    # campaign.
    return counted if campaigns.query.order_by else counted.order_by(*AuditCampaign._meta.ordering)


def audit_campaign_summaries_visible_to(*, user) -> QuerySet[AuditCampaign]:
    """Approved campaigns with their finding counts, for oversight (R-ACC-1: oversight reads audit summaries) and
    the custodian. No entry, name, plate or case number is part of a summary."""
    if not user.is_authenticated or not user.has_perm("audits.view_audit_summary"):
        return AuditCampaign.objects.none()
    return with_finding_counts(AuditCampaign.objects.filter(status=CampaignStatus.APPROVED)).order_by(
        "-period_end", "-id"
    )


def audit_samples_for_review(*, user, campaign: AuditCampaign, request=None) -> list[AuditSample]:
    """The sampled queries of a campaign the user may see, with their access-log rows. Showing them shows plates
    and case numbers, so it is itself an access and is written to the access log first (R-AUD-1)."""
    samples = list(
        AuditSample.objects.filter(campaign=campaign)
        .select_related("log_user", "reviewed_by", "follow_up_recipient",
                        "follow_up_resolved_by")
        .order_by("position")
    )
    access_log_record(
        user=user, action="audits.campaign.review",
        data_elements={"campaign": campaign.pk, "sampled_seqs": [s.log_seq for s in samples]},
        purpose=SystemPurpose.OVERSIGHT_AUDIT, case_number=campaign.reference, result_count=len(samples),
        request=request, allow_system_purpose=True,
    )
    return samples


def audit_follow_ups_visible_to(*, user) -> QuerySet[AuditSample]:
    """Follow-ups addressed to this person (the queried user's supervisor); the custodian sees every one."""
    samples = AuditSample.objects.filter(finding=Finding.FOLLOW_UP).select_related(
        "campaign", "log_user", "reviewed_by", "follow_up_recipient", "follow_up_resolved_by"
    )
    if not user.is_authenticated:
        return samples.none()
    if _is_audit_lead(user):
        return samples
    return samples.filter(follow_up_recipient=user)


def audit_follow_ups_for_display(*, user, samples: list[AuditSample], request=None) -> list[AuditSample]:
    """Showing follow-ups shows the queried plates: logged like a campaign review."""
    if samples:
        access_log_record(
            user=user, action="audits.follow_up.review",
            data_elements={"samples": [s.pk for s in samples]},
            purpose=SystemPurpose.OVERSIGHT_AUDIT, case_number="AUDIT-FOLLOW-UPS", result_count=len(samples),
            request=request, allow_system_purpose=True,
        )
    return samples


@dataclass(frozen=True)
class ScheduleItem:
    """One yearly audit (R-AUD-3a): when it was last done, when it falls due, and whether it is due soon or late."""

    kind: str
    label: str
    last_done: date | None
    due_on: date
    state: str  # "ok", "due_soon" or "overdue"

    @property
    def days_left(self) -> int:
        return (self.due_on - timezone.localdate()).days


def _program_start() -> date:
    """When the yearly clock started for an audit never done: the first access logged (else today)."""
    first = AccessLog.objects.order_by("seq").values_list("occurred_at", flat=True).first()
    return timezone.localtime(first).date() if first else timezone.localdate()


def audit_schedule(*, today: date | None = None) -> list[ScheduleItem]:
    """R-AUD-3a (policy 004 §IX: audits at least annually; an annual inspection of the audit trail): the next due
    date of each is its last completion (an approved campaign; an inspection, whatever it found) plus its interval;
    never done, the interval runs from the first access logged."""
    from apps.audits.choices import ScheduledAudit
    from apps.audits.models import AuditTrailInspection

    today = today or timezone.localdate()
    soon = settings.PORTAL["AUDIT_DUE_SOON_DAYS"]
    approved = (AuditCampaign.objects.filter(status=CampaignStatus.APPROVED).order_by("-approved_at")
                .values_list("approved_at", flat=True).first())
    inspected = AuditTrailInspection.objects.order_by("-performed_at").values_list("performed_at", flat=True).first()
    items = []
    for kind, moment, interval in (
        (ScheduledAudit.CAMPAIGN, approved, settings.PORTAL["AUDIT_CAMPAIGN_INTERVAL_DAYS"]),
        (ScheduledAudit.INSPECTION, inspected, settings.PORTAL["AUDIT_TRAIL_INSPECTION_INTERVAL_DAYS"]),
    ):
        last_done = timezone.localtime(moment).date() if moment else None
        due_on = (last_done or _program_start()) + timedelta(days=interval)
        state = "overdue" if today > due_on else "due_soon" if today >= due_on - timedelta(days=soon) else "ok"
        items.append(ScheduleItem(kind=kind, label=ScheduledAudit(kind).label, last_done=last_done, due_on=due_on,
                                  state=state))
    return items


def audit_trail_inspections_visible_to(*, user):
    from apps.audits.models import AuditTrailInspection

    if not user.is_authenticated or not user.has_perm("audits.view_audittrailinspection"):
        return AuditTrailInspection.objects.none()
    return AuditTrailInspection.objects.select_related("performed_by")
