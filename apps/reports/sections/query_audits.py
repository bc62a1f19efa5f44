"""Query-audit findings (R-AUD-3 → R-REP-1): campaigns whose audited period overlaps the report period."""

from __future__ import annotations

from datetime import date

from django.db.models import Count, Q
from django.utils import timezone

from apps.audit.choices import ALL_PURPOSE_CHOICES
from apps.audits.choices import CampaignStatus, Finding, InspectionResult, Stratification
from apps.audits.models import AuditCampaign, AuditSample, AuditTrailInspection
from apps.reports.choices import ReportKind
from apps.reports.figures import column, count_item, rate_item, section, table
from apps.reports.sections.common import local_period_bounds, person
from apps.reports.sections.registry import ReportSection, register_section

PURPOSE_LABELS = dict(ALL_PURPOSE_CHOICES)
SAMPLING_LABELS = {Stratification.NONE: "simple random", Stratification.USER: "by user", Stratification.UNIT: "by unit"}


def _plate_of(data_elements: dict) -> str:
    if not isinstance(data_elements, dict):
        return ""
    return str(data_elements.get("plate_pattern") or data_elements.get("plate") or "")


def query_audits_aggregate(period_start: date, period_end: date) -> dict:
    campaigns = AuditCampaign.objects.filter(period_start__lte=period_end, period_end__gte=period_start)

    def count(finding, **extra):
        return Count("samples", filter=Q(samples__finding=finding, **extra))

    per_campaign = list(
        campaigns.annotate(
            necessary=count(Finding.NECESSARY), not_necessary=count(Finding.NOT_NECESSARY),
            follow_up=count(Finding.FOLLOW_UP), pending=count(Finding.PENDING),
            follow_up_open=count(Finding.FOLLOW_UP, samples__follow_up_resolved_at__isnull=True),
        )
        .select_related("approved_by")
        .order_by("period_start", "id")
    )
    approved = [c for c in per_campaign if c.status == CampaignStatus.APPROVED]

    def total(attribute, rows=approved):
        return sum(getattr(c, attribute) for c in rows)

    seeds = ", ".join(f"{c.reference} {c.seed}" for c in per_campaign)
    reviewed = total("necessary") + total("not_necessary") + total("follow_up")
    adverse = (
        AuditSample.objects.filter(campaign__in=campaigns, finding__in=[Finding.NOT_NECESSARY, Finding.FOLLOW_UP])
        .select_related("campaign", "log_user")
        .order_by("campaign_id", "position")
    )
    status_labels = dict(CampaignStatus.choices)
    # R-AUD-3a: the annual inspection of the audit trail, performed in the period.
    since, until = local_period_bounds(period_start, period_end)
    inspections = list(AuditTrailInspection.objects.filter(performed_at__gte=since, performed_at__lt=until)
                       .order_by("performed_at", "id"))
    return section(
        "query_audits", "Query-audit findings",
        intro="Auditors review a random, reproducible sample of user queries and record whether each was necessary "
              "for the case it cited (policy 004 §IX, R-AUD-3). Totals count approved campaigns.",
        summary=[
            count_item("campaigns", "Audit campaigns covering the period", len(per_campaign), institutional=True),
            count_item("campaigns_approved", "Approved audit campaigns", len(approved), institutional=True),
            count_item("sampled", "Queries sampled (approved campaigns)", total("sample_size")),
            count_item("population", "Queries those samples were drawn from", total("population_size")),
            count_item("found_necessary", "Found necessary for the cited case", total("necessary")),
            count_item("found_not_necessary", "Found not necessary for the cited case", total("not_necessary")),
            count_item("found_follow_up", "Needing follow-up", total("follow_up")),
            count_item("follow_up_open", "Follow-ups not yet resolved", total("follow_up_open")),
            rate_item("necessary_rate", "Share of reviewed queries found necessary", total("necessary"), reviewed),
            count_item("campaigns_risk_weighted", "Campaigns drawn risk-weighted (plate-less searches, repeated "
                       "look-ups, off-shift queries over-sampled)", sum(1 for c in per_campaign if c.risk_weighted),
                       institutional=True),
            count_item("inspections", "Audit-trail inspections performed in the period", len(inspections),
                       institutional=True),
            count_item("inspections_broken", "Inspections that found the access log's chain broken",
                       sum(1 for i in inspections if i.result == InspectionResult.BROKEN), expect_zero=True,
                       institutional=True),
        ],
        tables=[
            table("campaigns", "Audit campaigns",
                  [column("Campaign"), column("Period"), column("Sampling"), column("Population", "count"),
                   column("Sample", "count"), column("Necessary", "count"), column("Not necessary", "count"),
                   column("Follow-up", "count"), column("Status")],
                  [[c.reference, f"{c.period_start:%Y-%m-%d} – {c.period_end:%Y-%m-%d}",
                    SAMPLING_LABELS[c.stratification], c.population_size, c.sample_size, c.necessary,
                    c.not_necessary, c.follow_up, status_labels[c.status]] for c in per_campaign],
                  empty="No query audit covered this period."),
            table("approvals", "Approval of the audit campaigns",
                  [column("Campaign"), column("Approved by", "person"), column("Approved on", "date")],
                  [[c.reference, person(c.approved_by_id, c.approved_by.first_name, c.approved_by.last_name,
                                        c.approved_by.username),
                    f"{timezone.localtime(c.approved_at):%Y-%m-%d}"] for c in approved],
                  empty="No campaign covering this period has been approved yet."),
            table("findings", "Queries found not necessary or needing follow-up",
                  [column("Campaign"), column("Query date", "date"), column("User", "person"), column("Purpose"),
                   column("Case number", "case_number"), column("Plate queried", "plate"), column("Finding"),
                   column("Reviewer notes", "free_text"), column("Follow-up outcome", "free_text")],
                  [[s.campaign.reference, f"{timezone.localtime(s.log_occurred_at):%Y-%m-%d}",
                    person(s.log_user_id, s.log_user.first_name, s.log_user.last_name, s.log_username),
                    PURPOSE_LABELS.get(s.log_purpose, s.log_purpose), s.log_case_number,
                    _plate_of(s.log_data_elements), s.get_finding_display(), s.notes,
                    s.follow_up_resolution or ("open" if s.finding == Finding.FOLLOW_UP else "")] for s in adverse],
                  empty="Every reviewed query was found necessary for its case."),
            table("inspections", "Audit-trail inspections (chain verification)",
                  [column("Date", "date"), column("Result"), column("Rows verified", "count", institutional=True),
                   column("Anchored head")],
                  [[f"{timezone.localtime(i.performed_at):%Y-%m-%d}", i.get_result_display(), i.rows_checked,
                    f"#{i.anchored_seq}" if i.anchored_seq else "none"] for i in inspections],
                  empty="No audit-trail inspection was performed in this period."),
        ],
        notes=[f"Each sample can be redrawn from its seed: {seeds}."] if per_campaign else [],
    )


register_section(ReportSection(
    key="query_audits", title="Query-audit findings", kinds=frozenset({ReportKind.SEMIANNUAL}), order=90,
    aggregate=query_audits_aggregate,
    covers="Random samples of user queries reviewed for necessity, with their findings.",
))
