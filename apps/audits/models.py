"""Query audits (R-AUD-3, policy 004 §IX): a reproducible random sample of access-log queries, reviewed one by one.

A campaign covers a period, draws its sample once (at creation) from a recorded seed, and keeps the sample as rows
pointing at the access-log entries, so an auditor sees the sampled queries and nothing else. Findings feed the
oversight reports (apps.reports).

Each sample also keeps a frozen copy of the sampled row (seq, time, who, what, purpose, case, result count and the
row's hash): the access log is purged after its retention period (R-AUD-1, R-RET-4), and an approved audit must stay
readable after that. The purge (``apps.audit.purge``) detaches the sample (its ``access_log`` becomes null) instead of
failing on the reference; the copy's ``log_row_hash`` still ties it to the chain and its purge checkpoints.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db import models

from apps.audit.choices import ALL_PURPOSE_CHOICES
from apps.audits.choices import (
    CampaignStatus,
    ConfidenceLevel,
    Finding,
    InspectionResult,
    Stratification,
    ViolationKind,
    ViolationOutcome,
    ViolationStatus,
)


class AuditCampaign(models.Model):
    """One audit of user queries over a period (R-AUD-3).

    The sample is drawn when the campaign is created: every query in the population is ranked by
    SHA-256(``seed``:access-log seq) and the lowest ranks are taken (per stratum when stratified), so anyone holding
    the seed and the (append-only) log can redraw exactly the same sample. ``population_size`` and ``sample_size``
    record what was drawn. Approval is by a named person other than the one who ran the campaign.
    """

    title = models.CharField(max_length=200)
    period_start = models.DateField()
    period_end = models.DateField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    scope_supervisor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        help_text="A supervisor's campaign covers their team's queries only; empty: every user's queries.",
    )
    stratification = models.CharField(max_length=10, choices=Stratification.choices, default=Stratification.NONE)
    requested_size = models.PositiveIntegerField(null=True, blank=True, help_text="Sample size chosen by the auditor.")
    confidence_level = models.PositiveSmallIntegerField(choices=ConfidenceLevel.choices, null=True, blank=True)
    margin_of_error = models.DecimalField(
        max_digits=4, decimal_places=1, null=True, blank=True, help_text="Margin of error in percent, e.g. 5.0."
    )
    seed = models.CharField(max_length=64, help_text="The random seed the sample was drawn from (reproducible).")
    population_size = models.PositiveIntegerField()
    sample_size = models.PositiveIntegerField()
    status = models.CharField(max_length=20, choices=CampaignStatus.choices, default=CampaignStatus.IN_REVIEW)
    submitted_at = models.DateTimeField(null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    approval_note = models.TextField(blank=True)
    # R-AUD-3a: a risk-weighted draw over-samples risky queries (apps.audits.risk); the weights used are kept so the
    # draw can be redone from the seed whatever the settings say later.
    risk_weighted = models.BooleanField(default=False)
    risk_weights = models.JSONField(default=dict, blank=True, help_text="Weight of each risk factor in this draw.")
    risk_population = models.JSONField(default=dict, blank=True,
                                       help_text="How many queries of the population carried each risk factor.")

    class Meta:
        ordering = ["-created_at", "-id"]
        permissions = [
            ("review_auditcampaign", "Can review the sampled queries of an audit campaign"),
            ("approve_auditcampaign", "Can approve an audit campaign"),
            ("view_audit_summary", "Can view audit campaign summaries (counts only, no entries)"),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(period_end__gte=models.F("period_start")),
                                   name="auditcampaign_period_order"),
            models.CheckConstraint(condition=models.Q(sample_size__lte=models.F("population_size")),
                                   name="auditcampaign_sample_within_population"),
            models.CheckConstraint(condition=~models.Q(approved_by=models.F("created_by")),
                                   name="auditcampaign_not_approved_by_creator"),
            models.CheckConstraint(
                condition=~models.Q(status=CampaignStatus.APPROVED)
                | models.Q(approved_by__isnull=False, approved_at__isnull=False),
                name="auditcampaign_approved_has_approver",
            ),
            models.CheckConstraint(
                condition=models.Q(requested_size__isnull=False)
                | models.Q(confidence_level__isnull=False, margin_of_error__isnull=False),
                name="auditcampaign_size_or_confidence",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.period_start:%Y-%m-%d} – {self.period_end:%Y-%m-%d})"

    @property
    def reference(self) -> str:
        """The case number under which reviewing this campaign's entries is written to the access log."""
        return f"AUDIT-{self.pk}"


_PURPOSE_LABELS = dict(ALL_PURPOSE_CHOICES)


@dataclass(frozen=True)
class SampledQuery:
    """The sampled access-log row as the sample froze it (the attributes the audit pages and reports show)."""

    seq: int
    occurred_at: datetime
    user_id: int
    user: object
    username: str
    action: str
    data_elements: dict
    purpose: str
    case_number: str
    result_count: int | None
    row_hash: str

    def get_purpose_display(self) -> str:
        return _PURPOSE_LABELS.get(self.purpose, self.purpose)


class AuditSample(models.Model):
    """One sampled query and the reviewer's finding about it (necessary for the cited case, or not, or follow-up).

    ``rank_key`` is the SHA-256 that ranked the entry in the draw (so the draw can be checked by hand). A follow-up
    goes to the queried person's supervisor (``follow_up_recipient``), who records what was done.

    The ``log_*`` fields are a frozen copy of the sampled row, written with the sample (R-AUD-3). When retention
    purges the row (R-RET-4) the purge sets ``access_log`` to null and the sample reads from its copy (``entry``).
    """

    campaign = models.ForeignKey(AuditCampaign, on_delete=models.PROTECT, related_name="samples")
    access_log = models.ForeignKey(
        "audit.AccessLog", on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        help_text="The sampled row while the access log still keeps it; null once retention purged it.",
    )
    log_seq = models.BigIntegerField(help_text="Chain position of the sampled access-log row.")
    log_occurred_at = models.DateTimeField()
    log_user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    log_username = models.CharField(max_length=150)
    log_action = models.CharField(max_length=80)
    log_data_elements = models.JSONField(default=dict, blank=True)
    log_purpose = models.CharField(max_length=40, choices=ALL_PURPOSE_CHOICES)
    log_case_number = models.CharField(max_length=64)
    log_result_count = models.IntegerField(null=True, blank=True)
    log_row_hash = models.CharField(max_length=64,
                                    help_text="row_hash of the sampled row (ties the copy to the chain).")
    position = models.PositiveIntegerField(help_text="Order in the draw, 1…n.")
    stratum = models.CharField(max_length=200, blank=True)
    rank_key = models.CharField(max_length=64)
    risk_flags = models.JSONField(default=list, blank=True, help_text="Risk factors of the query (R-AUD-3a).")
    risk_weight = models.FloatField(default=1.0, help_text="Its weight in a risk-weighted draw.")
    finding = models.CharField(max_length=20, choices=Finding.choices, default=Finding.PENDING)
    notes = models.TextField(blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    follow_up_recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    follow_up_resolution = models.TextField(blank=True)
    follow_up_resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    follow_up_resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["campaign", "position"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "access_log"], name="auditsample_once_per_campaign"),
            models.UniqueConstraint(fields=["campaign", "position"], name="auditsample_position_unique"),
            models.CheckConstraint(
                condition=models.Q(finding=Finding.PENDING, reviewed_by__isnull=True)
                | (~models.Q(finding=Finding.PENDING) & models.Q(reviewed_by__isnull=False)),
                name="auditsample_reviewed_has_reviewer",
            ),
            models.CheckConstraint(
                condition=~models.Q(finding__in=[Finding.NOT_NECESSARY, Finding.FOLLOW_UP]) | ~models.Q(notes=""),
                name="auditsample_adverse_finding_has_notes",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.campaign.reference} #{self.position}: {self.get_finding_display()}"

    @classmethod
    def copy_fields(cls, row) -> dict:
        """The frozen copy of an access-log row, as keyword arguments of a new sample."""
        return {
            "log_seq": row.seq, "log_occurred_at": row.occurred_at, "log_user_id": row.user_id,
            "log_username": row.username, "log_action": row.action, "log_data_elements": row.data_elements,
            "log_purpose": row.purpose, "log_case_number": row.case_number, "log_result_count": row.result_count,
            "log_row_hash": row.row_hash,
        }

    @property
    def entry(self) -> SampledQuery:
        """The sampled query, from the frozen copy (the same whether or not the access log still keeps the row)."""
        return SampledQuery(
            seq=self.log_seq, occurred_at=self.log_occurred_at, user_id=self.log_user_id, user=self.log_user,
            username=self.log_username, action=self.log_action, data_elements=self.log_data_elements,
            purpose=self.log_purpose, case_number=self.log_case_number, result_count=self.log_result_count,
            row_hash=self.log_row_hash,
        )


class AuditTrailInspection(models.Model):
    """The annual inspection of the audit trail (R-AUD-3a; policy 004 §IX: "annually conduct an inspection of the
    audit information", by the ASAP Unit; also unannounced at any time).

    The portal runs the chain verification (``apps.audit.selectors.access_log_verify_chain``: the hash chain, the
    signed purge checkpoints and the signed anchors of the head) and records its outcome with the inspector and
    their note. Written only by ``apps.audits.services.audit_trail_inspection_run``; never changed.
    """

    performed_at = models.DateTimeField()
    performed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    unannounced = models.BooleanField(default=False, help_text="A random inspection without prior notice.")
    result = models.CharField(max_length=10, choices=InspectionResult.choices)
    rows_checked = models.BigIntegerField()
    starts_at_seq = models.BigIntegerField(help_text="First row still in the log (earlier rows purged).")
    last_seq = models.BigIntegerField(null=True, blank=True)
    checkpoints_checked = models.PositiveIntegerField(default=0)
    anchors_checked = models.PositiveIntegerField(default=0)
    anchored_seq = models.BigIntegerField(null=True, blank=True)
    anchored_hash = models.CharField(max_length=64, blank=True)
    first_broken_seq = models.BigIntegerField(null=True, blank=True)
    problem = models.TextField(blank=True)
    note = models.TextField(blank=True, help_text="The inspector's observations.")

    class Meta:
        ordering = ["-performed_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(result=InspectionResult.INTACT, first_broken_seq__isnull=True, problem="")
                | ~models.Q(result=InspectionResult.INTACT) & ~models.Q(problem=""),
                name="inspection_result_matches_problem",
            ),
        ]

    def __str__(self) -> str:
        return f"Audit-trail inspection {self.performed_at:%Y-%m-%d}: {self.get_result_display()}"


class ViolationReport(models.Model):
    """A member's report of an error or a suspected or confirmed violation of the ALPR policies, to a supervisor of
    the rank of sergeant or higher, or a manager (R-AUD-4, policy 004 §VIII), tracked to closure.

    Submitted → under review → closed (or submitted → closed), each move by the supervisor it was sent to, through
    ``apps.audits.violations``, with a domain event. Counted in the oversight reports (apps.reports); the report's
    text is never printed there (it can name people and plates).
    """

    kind = models.CharField(max_length=30, choices=ViolationKind.choices)
    reported_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reported_at = models.DateTimeField()
    supervisor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   help_text="Sergeant or higher, or manager, who receives and closes the report.")
    occurred_on = models.DateField(null=True, blank=True, help_text="When it happened, if known.")
    description = models.TextField()
    status = models.CharField(max_length=20, choices=ViolationStatus.choices, default=ViolationStatus.SUBMITTED)
    review_started_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=30, choices=ViolationOutcome.choices, blank=True)
    resolution = models.TextField(blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="+")

    class Meta:
        ordering = ["-reported_at", "-id"]
        permissions = [("view_all_violationreports", "Can see every violation and error report")]
        constraints = [
            models.CheckConstraint(condition=~models.Q(supervisor=models.F("reported_by")),
                                   name="violationreport_not_to_oneself"),
            models.CheckConstraint(
                condition=~models.Q(status=ViolationStatus.CLOSED)
                | models.Q(closed_at__isnull=False, closed_by__isnull=False) & ~models.Q(outcome="")
                & ~models.Q(resolution=""),
                name="violationreport_closed_has_outcome",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.get_kind_display()} ({self.get_status_display()})"

    @property
    def reference(self) -> str:
        return f"VR-{self.pk}"
