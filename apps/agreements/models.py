"""Inter-agency agreements with an annual sunset and their renewal reviews (R-SHR-2, policy 004 §V)."""

from __future__ import annotations

import uuid
from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from apps.agreements.choices import AGREEMENT_TERMS, IN_FORCE_STATUSES, AgreementStatus, RenewalDecision, SignatorySide
from apps.agreements.db import AddOneYear

SUNSET_TOO_LATE = "The sunset may be at most one year after the start ({limit:%B %-d, %Y}) (R-SHR-2)."
SUNSET_BEFORE_START = "The sunset must be after the start date."


def add_one_year(day: date) -> date:
    """The same calendar day a year later (February 29 becomes February 28)."""
    try:
        return day.replace(year=day.year + 1)
    except ValueError:
        return day.replace(year=day.year + 1, day=28)


def agreement_document_upload_to(instance, filename: str) -> str:
    return f"agreements/{timezone.now():%Y}/{uuid.uuid4().hex}.pdf"


def renewal_document_upload_to(instance, filename: str) -> str:
    return f"agreements/renewals/{timezone.now():%Y}/{uuid.uuid4().hex}.pdf"


class Agreement(models.Model):
    """An inter-agency agreement under which the deploying agency shares ALPR data with one partner (R-SHR-2).

    Each side attests to the terms in ``AGREEMENT_TERMS``; the sunset is at most one year after the start (a
    CheckConstraint too). Sharing under an agreement is allowed only while it is *in force*: active or renewal due,
    and today before the sunset date — checked live, so an agreement stops sharing on its sunset day even before
    the daily job marks it expired. Status changes only through ``apps.agreements.services`` (one service per edge,
    in ``lifecycle`` and ``renewals``).
    """

    partner_agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="agreements")
    title = models.CharField(max_length=200, help_text="E.g. “ALPR data sharing agreement 2026”.")
    signed_document = models.FileField(
        upload_to=agreement_document_upload_to, max_length=200, blank=True,
        help_text="The agreement as signed by both agencies (PDF).",
    )
    signed_document_sha256 = models.CharField(max_length=64, blank=True, editable=False)
    start_date = models.DateField(help_text="Signing date, or the date of the last renewal.")
    sunset_date = models.DateField(help_text="Sharing stops on this day unless renewed (at most one year later).")
    status = models.CharField(max_length=20, choices=AgreementStatus.choices, default=AgreementStatus.DRAFT)
    renewal_of = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="renewed_by",
        help_text="The previous term this agreement renews.",
    )

    partner_attests_authorized_users = models.BooleanField(default=False)
    partner_attests_accuracy = models.BooleanField(default=False)
    partner_attests_hotlist_refresh = models.BooleanField(default=False)
    partner_attests_no_immigration = models.BooleanField(default=False)
    partner_attests_no_resharing = models.BooleanField(default=False)
    agency_attests_authorized_users = models.BooleanField(default=False)
    agency_attests_accuracy = models.BooleanField(default=False)
    agency_attests_hotlist_refresh = models.BooleanField(default=False)
    agency_attests_no_immigration = models.BooleanField(default=False)
    agency_attests_no_resharing = models.BooleanField(default=False)

    notes = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+")
    activated_at = models.DateTimeField(null=True, blank=True)
    activated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="+")
    ended_at = models.DateTimeField(null=True, blank=True, help_text="When it expired, was renewed or terminated.")
    ended_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="+")
    end_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-start_date", "-id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(sunset_date__gt=models.F("start_date")),
                                   name="agreement_sunset_after_start"),
            models.CheckConstraint(condition=models.Q(sunset_date__lte=AddOneYear("start_date")),
                                   name="agreement_sunset_within_one_year"),
            models.CheckConstraint(condition=models.Q(status=AgreementStatus.DRAFT) | ~models.Q(signed_document=""),
                                   name="agreement_signed_document_unless_draft"),
            models.UniqueConstraint(fields=["partner_agency"],
                                    condition=models.Q(status__in=sorted(IN_FORCE_STATUSES)),
                                    name="agreement_one_in_force_per_partner"),
        ]
        indexes = [models.Index(fields=["status", "sunset_date"], name="agreement_status_sunset")]

    def __str__(self) -> str:
        return f"{self.title} — {self.partner_agency} ({self.start_date:%Y-%m-%d} to {self.sunset_date:%Y-%m-%d})"

    def clean(self) -> None:
        super().clean()
        if self.start_date and self.sunset_date:
            if self.sunset_date <= self.start_date:
                raise ValidationError({"sunset_date": SUNSET_BEFORE_START})
            limit = add_one_year(self.start_date)
            if self.sunset_date > limit:
                raise ValidationError({"sunset_date": SUNSET_TOO_LATE.format(limit=limit)})

    def in_force_on(self, day: date | None = None) -> bool:
        """May data be shared under this agreement on ``day`` (default today)? Live, not waiting for the job."""
        day = day or timezone.localdate()
        return self.status in IN_FORCE_STATUSES and self.start_date <= day < self.sunset_date

    def days_to_sunset(self, day: date | None = None) -> int:
        return (self.sunset_date - (day or timezone.localdate())).days

    def attestations(self) -> list[dict]:
        """Each term with whether each side attested to it (for the admin and the letter)."""
        return [
            {"term": key, "text": text, "partner": getattr(self, f"partner_attests_{key}"),
             "agency": getattr(self, f"agency_attests_{key}")}
            for key, text in AGREEMENT_TERMS.items()
        ]

    def missing_attestations(self) -> list[str]:
        missing = []
        for row in self.attestations():
            if not row["partner"]:
                missing.append(f"the partner agency has not attested: {row['text']}")
            if not row["agency"]:
                missing.append(f"our agency has not attested: {row['text']}")
        return missing


class AgreementSignatory(models.Model):
    """A person who signed the agreement, for either side."""

    agreement = models.ForeignKey(Agreement, on_delete=models.PROTECT, related_name="signatories")
    side = models.CharField(max_length=10, choices=SignatorySide.choices)
    name = models.CharField(max_length=200)
    title = models.CharField(max_length=200)
    signed_on = models.DateField()

    class Meta:
        ordering = ["side", "name"]
        verbose_name_plural = "signatories"

    def __str__(self) -> str:
        return f"{self.name}, {self.title} ({self.get_side_display()})"


class AgreementRenewal(models.Model):
    """The annual renewal review of an agreement (R-SHR-2, policy 004 §V).

    The partner's application, a checklist — compliance with current law and policy confirmed, and the Attorney
    General's SB 34 non-compliance list checked on a date by a person — and the decision with who made it. An
    approved renewal ends the old term (``renewed``) and starts the next one (``successor``).
    """

    agreement = models.ForeignKey(Agreement, on_delete=models.PROTECT, related_name="renewals")
    application_document = models.FileField(upload_to=renewal_document_upload_to, max_length=200,
                                            help_text="The partner's application for renewal (PDF).")
    application_document_sha256 = models.CharField(max_length=64, editable=False)
    application_received_on = models.DateField()
    applicant_name = models.CharField(max_length=200, help_text="Who applied for the partner agency.")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    compliance_confirmed = models.BooleanField(
        default=False, help_text="The partner complies with current law and this agency's policy.")
    compliance_notes = models.TextField(blank=True)
    ag_list_checked_on = models.DateField(
        null=True, blank=True, help_text="When the Attorney General's SB 34 non-compliance list was checked.")
    ag_list_checked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                           related_name="+")
    ag_list_partner_listed = models.BooleanField(
        null=True, blank=True, help_text="Whether the partner appears on that list (it must not).")

    decision = models.CharField(max_length=10, choices=RenewalDecision.choices, default=RenewalDecision.PENDING)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_notes = models.TextField(blank=True)
    successor = models.OneToOneField(Agreement, on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="created_by_renewal")

    class Meta:
        ordering = ["-recorded_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["agreement"], condition=models.Q(decision=RenewalDecision.PENDING),
                                    name="agreement_one_pending_renewal"),
            models.CheckConstraint(
                condition=~models.Q(decision=RenewalDecision.APPROVED)
                | (models.Q(compliance_confirmed=True, ag_list_checked_on__isnull=False,
                            ag_list_checked_by__isnull=False, ag_list_partner_listed=False,
                            successor__isnull=False)),
                name="agreement_renewal_approved_needs_checklist",
            ),
        ]

    def __str__(self) -> str:
        return f"Renewal of {self.agreement.title} — {self.agreement.partner_agency} ({self.get_decision_display()})"
