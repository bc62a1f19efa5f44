"""Agencies: the deploying agency and every agency that may ask for or receive ALPR data (R-SHR-1); the deploying
agency's adopted policy documents (R-REP-3a) and their acknowledgment by staff (R-ACC-7); the public comment held
before the program began (R-REP-4)."""

from django.conf import settings
from django.db import models

from apps.agencies.choices import AgencyKind, GovernmentLevel
from apps.common.fields import HttpsURLField


def mfa_default_required_roles() -> list[str]:
    from apps.accounts.mfa import MFA_DEFAULT_REQUIRED_ROLES

    return sorted(str(role) for role in MFA_DEFAULT_REQUIRED_ROLES)


class Agency(models.Model):
    """An organization. Exactly one is the deploying agency (the one running this portal).

    ``ag_noncompliance_flagged`` records that the California Attorney General lists the agency as not complying
    with SB 34; such an agency may not receive ALPR data (R-SHR-1, R-SHR-2).
    """

    name = models.CharField(max_length=200, unique=True)
    ori = models.CharField(
        "ORI", max_length=9, unique=True, null=True, blank=True,
        help_text="NCIC Originating Agency Identifier (9 characters), if the agency has one.",
    )
    kind = models.CharField(max_length=20, choices=AgencyKind.choices)
    government_level = models.CharField(max_length=20, choices=GovernmentLevel.choices)
    state = models.CharField(max_length=2, help_text="Two-letter state or territory code, e.g. CA.")
    is_deploying_agency = models.BooleanField(default=False)
    ag_noncompliance_flagged = models.BooleanField(
        "flagged by the Attorney General", default=False,
        help_text="Listed by the California Attorney General as not complying with SB 34.",
    )
    ag_noncompliance_checked_on = models.DateField(null=True, blank=True)
    # R-SHR-1a: a setting of the deploying agency. Off (the default), only law-enforcement and prosecutorial agencies
    # may receive ALPR data; on, a request from another public agency is accepted as a records-release request
    # (000 462.7, 001 471.7, 003 427.6: "processed as provided in the Records Maintenance and Release Policy") and
    # goes through the custodian of records like every other request.
    records_release_enabled = models.BooleanField(
        "records-release path for other public agencies", default=False,
        help_text="Deploying agency only. When on, public agencies that are neither law-enforcement nor "
                  "prosecutorial may ask for ALPR data through the records-release path (reviewed and authorized by "
                  "the custodian of records like every request). Off: such requests are refused with the reason.")
    notes = models.TextField(blank=True)
    background_check_required = models.BooleanField(
        "querying requires a background check", default=True,
        help_text="R-ACC-6 (policy 004 §II): the agency's people may query read data only with a completed background "
        "check on record. Turn off only where the agency's own policy does not require it.",
    )
    mfa_required_roles = models.JSONField(
        "roles that must use a second factor", default=mfa_default_required_roles, blank=True,
        help_text="Issue #22 (CJIS Security Policy: multi-factor authentication for every access to Criminal Justice "
        "Information): members of these roles enrol an authenticator app or security key at their next sign-in and "
        "can do nothing else until they have. Default: every role that sees ALPR data or hot lists. Read from the "
        "deploying agency.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = "agencies"
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_deploying_agency"],
                condition=models.Q(is_deploying_agency=True),
                name="agency_single_deploying_agency",
            ),
            models.CheckConstraint(condition=models.Q(state__regex=r"^[A-Z]{2}$"), name="agency_state_two_letters"),
            models.CheckConstraint(
                condition=~models.Q(kind="private") | models.Q(government_level="none"),
                name="agency_private_is_not_government",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class PolicyDocumentKind(models.TextChoices):
    USAGE_PRIVACY = "usage_privacy", "Usage and privacy policy"
    PROCEDURE = "procedure", "Related procedure or order"


def policy_document_upload_to(instance, filename: str) -> str:
    return f"policies/{instance.kind}/{instance.effective_on:%Y}/{filename}"


class PolicyDocument(models.Model):
    """R-REP-3a: one version of an adopted policy document (a PDF), as posted on the public page.

    Documents are immutable once posted: a revision is a new version with its own effective date. ``sha256`` is
    computed by the server from the stored bytes (``policy_document_publish``), never typed in. The usage and privacy
    policy in force is the latest version effective on a day; staff acknowledge each version (R-ACC-7).
    """

    kind = models.CharField(max_length=20, choices=PolicyDocumentKind.choices)
    title = models.CharField(max_length=200)
    version = models.CharField(max_length=40, help_text="The version as the agency names it, e.g. “2026-1”.")
    effective_on = models.DateField()
    document = models.FileField(upload_to=policy_document_upload_to)
    sha256 = models.CharField("SHA-256", max_length=64, editable=False)
    size_bytes = models.PositiveIntegerField(editable=False)
    change_summary = models.TextField(blank=True, help_text="What changed from the previous version.")
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                    null=True, blank=True)
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["kind", "title", "-effective_on", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "title", "version"], name="policy_document_version_once"),
            models.CheckConstraint(condition=models.Q(sha256__regex=r"^[0-9a-f]{64}$"), name="policy_document_sha256"),
        ]

    def __str__(self) -> str:
        return f"{self.title}, version {self.version} (effective {self.effective_on:%Y-%m-%d})"


class PolicyAcknowledgment(models.Model):
    """R-ACC-7: a person read and acknowledged one version of the usage and privacy policy (never changed)."""

    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                               related_name="policy_acknowledgments")
    document = models.ForeignKey(PolicyDocument, on_delete=models.PROTECT, related_name="acknowledgments")
    acknowledged_at = models.DateTimeField()

    class Meta:
        ordering = ["-acknowledged_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["person", "document"], name="policy_acknowledged_once"),
        ]

    def __str__(self) -> str:
        return f"{self.person} acknowledged {self.document}"


def public_comment_upload_to(instance, filename: str) -> str:
    return f"policies/public-comment/{filename}"


class PublicComment(models.Model):
    """R-REP-4 (Civ. Code § 1798.90.55(a)): the public comment held at a regularly scheduled public meeting of the
    governing body before the ALPR program began, with its minutes (a document, a link, or both)."""

    governing_body = models.CharField(max_length=200, help_text="e.g. “Board of Supervisors, County of Demo”.")
    held_on = models.DateField()
    agenda_item = models.CharField(max_length=200, blank=True)
    summary = models.TextField(blank=True)
    minutes_url = HttpsURLField("link to the minutes", blank=True)
    minutes_document = models.FileField(upload_to=public_comment_upload_to, blank=True)
    minutes_sha256 = models.CharField("SHA-256 of the minutes", max_length=64, blank=True, editable=False)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                    null=True, blank=True)
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-held_on", "-id"]
        constraints = [
            models.CheckConstraint(condition=~models.Q(minutes_url="") | ~models.Q(minutes_document=""),
                                   name="public_comment_has_minutes"),
        ]

    def __str__(self) -> str:
        return f"Public comment, {self.governing_body}, {self.held_on:%Y-%m-%d}"
