"""People (R-ACC-1, R-ACC-3)."""

from __future__ import annotations

from functools import cached_property

from django.contrib.auth.models import AbstractUser
from django.db import models

from apps.accounts.roles import INTERNAL_ROLES, STAFF_ROLES, Role


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


class User(AbstractUser):
    """A named person with a login (no shared accounts, R-ACC-3).

    Roles are group memberships (apps.accounts.roles). People are never deleted: deactivation keeps their history,
    the access-log rows that name them, and their training records.
    """

    agency = models.ForeignKey(
        "agencies.Agency", on_delete=models.PROTECT, related_name="people", null=True, blank=True
    )
    job_title = models.CharField(max_length=120, blank=True)
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

    @property
    def needs_staff_access(self) -> bool:
        return bool(self.roles & STAFF_ROLES)
