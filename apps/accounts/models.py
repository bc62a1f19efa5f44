"""People (R-ACC-1, R-ACC-3), their title and affiliation (R-ACC-5), background checks (R-ACC-6) and the designated
ALPR Administrator (R-ADM-1)."""

from __future__ import annotations

from functools import cached_property

from django.contrib.auth.models import AbstractUser
from django.db import models

from apps.accounts.roles import INTERNAL_ROLES, Role


class Rank(models.TextChoices):
    """Rank or supervisory level, as far as the ALPR policy needs it (R-AUD-4: members report violations and errors
    "to their supervisor with the rank of sergeant or higher, or manager"). Not a job title (that is ``job_title``)."""

    NONE = "", "Not recorded"
    OFFICER = "officer", "Officer / deputy"
    SERGEANT = "sergeant", "Sergeant"
    LIEUTENANT = "lieutenant", "Lieutenant"
    CAPTAIN = "captain", "Captain"
    COMMANDER = "commander", "Commander or above"
    MANAGER = "manager", "Manager (civilian)"


# R-AUD-4: who may receive a member's report of a violation or error.
SERGEANT_OR_HIGHER = frozenset({Rank.SERGEANT, Rank.LIEUTENANT, Rank.CAPTAIN, Rank.COMMANDER, Rank.MANAGER})


class DeactivationReason(models.TextChoices):
    MANUAL = "manual", "Deactivated by an administrator"
    INACTIVITY = "inactivity", "Suspended after a period of inactivity"
    LEFT_AGENCY = "left_agency", "Left the agency"
    IDENTITY_PROVIDER = "identity_provider", "Removed or disabled at the identity provider"


class Affiliation(models.TextChoices):
    """R-ACC-5: whether the person is a member of the agency or an independent contractor."""

    MEMBER = "member", "Member of the agency"
    CONTRACTOR = "contractor", "Independent contractor"


class User(AbstractUser):
    """A named person with a login (no shared accounts, R-ACC-3).

    Roles are group memberships (apps.accounts.roles). People are never deleted: deactivation keeps their history,
    the access-log rows that name them, and their training records.
    """

    agency = models.ForeignKey(
        "agencies.Agency", on_delete=models.PROTECT, related_name="people", null=True, blank=True
    )
    job_title = models.CharField(
        "job title or designation", max_length=120,
        help_text="The person's job title or designation, e.g. “Detective, Major Crimes” or “Crime analyst” (R-ACC-5). "
        "The public page lists the titles of everyone authorized to use or access the system.",
    )
    affiliation = models.CharField(
        "member or independent contractor", max_length=20, choices=Affiliation.choices, default=Affiliation.MEMBER,
    )
    rank = models.CharField(max_length=20, choices=Rank.choices, blank=True,
                            help_text="Sergeant or higher, or manager: receives members' violation reports (R-AUD-4).")
    supervisor = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="direct_reports"
    )
    deactivated_at = models.DateTimeField(null=True, blank=True)
    deactivation_reason = models.CharField(max_length=20, choices=DeactivationReason.choices, blank=True)
    deactivation_note = models.TextField(blank=True)
    reactivated_at = models.DateTimeField(
        null=True, blank=True, help_text="When an administrator last reactivated the account (restarts dormancy)."
    )

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"
        permissions = [("view_team", "Can view the people they supervise and their training")]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(supervisor=models.F("id")), name="user_not_own_supervisor"
            ),
        ]

    def __str__(self) -> str:
        full = self.get_full_name()
        return f"{full} ({self.username})" if full else self.username

    @cached_property
    def roles(self) -> frozenset[str]:
        valid = set(Role.values)
        return frozenset(name for name in self.groups.values_list("name", flat=True) if name in valid)

    def has_role(self, *roles: str) -> bool:
        return bool(self.roles.intersection(roles))

    @property
    def is_internal(self) -> bool:
        """A member of the deploying agency's staff who touches ALPR data (and so needs training, R-ACC-2)."""
        return bool(self.roles & INTERNAL_ROLES)

    @property
    def role_labels(self) -> list[str]:
        return [Role(role).label for role in Role.values if role in self.roles]

    @property
    def last_activity_at(self):
        """The start of the dormancy clock: last login, reactivation, or account creation, whichever is latest."""
        return max(moment for moment in (self.last_login, self.reactivated_at, self.date_joined) if moment)

    @property
    def is_sergeant_or_higher(self) -> bool:
        """May receive a member's report of a violation or error (R-AUD-4)."""
        return self.rank in SERGEANT_OR_HIGHER


class BackgroundCheck(models.Model):
    """R-ACC-6: a completed background check of one person, recorded by someone else (never by the person).

    Querying read data requires one on record unless the agency turned the requirement off
    (``Agency.background_check_required``). Rows are never changed or deleted: a new check is a new row.
    """

    person = models.ForeignKey(User, on_delete=models.PROTECT, related_name="background_checks")
    completed_on = models.DateField(help_text="The day the background check was completed.")
    reference = models.CharField(max_length=120, blank=True,
                                 help_text="The personnel or investigation file number, if any.")
    notes = models.TextField(blank=True)
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-completed_on", "-id"]
        constraints = [
            models.CheckConstraint(condition=~models.Q(recorded_by=models.F("person")),
                                   name="background_check_not_self_recorded"),
        ]

    def __str__(self) -> str:
        return f"Background check of {self.person} ({self.completed_on})"


class AlprAdministratorDesignation(models.Model):
    """R-ADM-1: who is the agency's ALPR Administrator (the designee overseeing the ALPR operation), from when to when.

    Designations are history: a new designation ends the previous one the day before it starts; rows are never
    deleted. The current one is named on the public page and receives damage reports, out-of-service reports and
    security alerts (``apps.accounts.selectors.alpr_administrator_recipients``).
    """

    agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="alpr_administrators")
    person = models.ForeignKey(User, on_delete=models.PROTECT, related_name="alpr_administrator_designations")
    title = models.CharField(max_length=120, help_text="The title under which the person serves, e.g. “Lieutenant, "
                             "Advanced Surveillance and Protection Unit”.")
    effective_from = models.DateField()
    effective_until = models.DateField(null=True, blank=True, help_text="Empty while the designation is in force.")
    designated_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", null=True, blank=True)
    designated_at = models.DateTimeField(auto_now_add=True)
    notes = models.TextField(blank=True)

    class Meta:
        verbose_name = "ALPR administrator designation"
        ordering = ["-effective_from", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(effective_until__isnull=True)
                           | models.Q(effective_until__gte=models.F("effective_from"))),
                name="alpr_admin_dates_in_order",
            ),
            models.UniqueConstraint(fields=["agency"], condition=models.Q(effective_until__isnull=True),
                                    name="alpr_admin_one_open_per_agency"),
        ]

    def __str__(self) -> str:
        until = f"{self.effective_until:%Y-%m-%d}" if self.effective_until else "present"
        name = self.person.get_full_name() or self.person.username
        return f"{name}, {self.title} ({self.effective_from:%Y-%m-%d} – {until})"


class ProviderIdentity(models.Model):
    """The person at the agency's identity provider (issue #22) an account belongs to: issuer and subject (``iss``,
    ``sub``), never the username or e-mail, so a provider account can never take over a local password account."""

    user = models.OneToOneField(User, on_delete=models.PROTECT, related_name="provider_identity")
    issuer = models.CharField(max_length=255)
    subject = models.CharField(max_length=255)
    created_at = models.DateTimeField(auto_now_add=True)
    last_sign_in_at = models.DateTimeField(null=True, blank=True)
    last_amr = models.JSONField(default=list, blank=True, help_text="The provider's amr claim at the last sign-in.")
    last_acr = models.CharField(max_length=255, blank=True, help_text="The provider's acr claim at the last sign-in.")

    class Meta:
        verbose_name_plural = "provider identities"
        constraints = [
            models.UniqueConstraint(fields=["issuer", "subject"], name="provider_identity_unique_subject"),
        ]

    def __str__(self) -> str:
        return f"{self.user} at {self.issuer}"
class WebAuthnCredential(models.Model):
    """A security key or passkey a person enrolled as their second factor (issue #22, R-SEC-2).

    Stores what the W3C WebAuthn verification needs: the credential id, its COSE public key and the signature
    counter (a counter that goes backwards betrays a cloned key and is refused). TOTP devices and recovery codes are
    django-otp's ``TOTPDevice`` and ``StaticDevice``. Removed by the person's administrator reset of MFA.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="webauthn_credentials")
    name = models.CharField(max_length=80, default="Security key")
    credential_id = models.BinaryField(unique=True)
    public_key = models.BinaryField()
    sign_count = models.PositiveBigIntegerField(default=0)
    transports = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.name} of {self.user}"
