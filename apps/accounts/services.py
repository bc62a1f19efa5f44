"""Writes to people: creation, roles, deactivation and suspension (R-ACC-1, R-ACC-3, R-AUD-2)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.db import transaction
from django.utils import timezone

from apps.accounts.models import DeactivationReason, User
from apps.accounts.roles import STAFF_ROLES, Role
from apps.accounts.selectors import dormancy_cutoff
from apps.audit.services import event_record
from apps.common.errors import ApplicationError

UNKNOWN_ROLE = "Unknown role “{role}”."
ALREADY_INACTIVE = "{user} is already deactivated."
ALREADY_ACTIVE = "{user} is already active."
CANNOT_DEACTIVATE_SELF = "You cannot deactivate your own account."


def _validated_roles(roles: Iterable[str]) -> list[str]:
    roles = list(dict.fromkeys(roles))
    for role in roles:
        if role not in Role.values:
            raise ApplicationError(UNKNOWN_ROLE.format(role=role), code="unknown_role")
    return roles


@transaction.atomic
def user_create(
    *,
    actor: User | None,
    username: str,
    password: str | None,
    agency,
    roles: Iterable[str] = (),
    first_name: str = "",
    last_name: str = "",
    email: str = "",
    job_title: str = "",
    supervisor: User | None = None,
    validate_password_strength: bool = True,
    rank: str = "",
) -> User:
    """Create a named account (no shared accounts, R-ACC-3) with its roles as group memberships (R-ACC-1)."""
    roles = _validated_roles(roles)
    user = User(
        username=username, first_name=first_name, last_name=last_name, email=email, agency=agency,
        job_title=job_title, supervisor=supervisor, rank=rank,
    )
    if password:
        if validate_password_strength:
            validate_password(password, user)
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.full_clean(exclude=["password"])
    user.save()
    _apply_roles(user, roles)
    event_record(actor=actor, code="alprportal.accounts.user.created", target=user, data={"roles": roles})
    return user


def _apply_roles(user: User, roles: list[str]) -> None:
    user.groups.set(Group.objects.filter(name__in=roles))
    staff = bool(set(roles) & STAFF_ROLES)
    if user.is_staff != staff:
        user.is_staff = staff
        user.save(update_fields=["is_staff"])
    user.__dict__.pop("roles", None)


@transaction.atomic
def user_set_roles(*, actor: User, user: User, roles: Iterable[str]) -> User:
    """Replace a person's roles; admin-site access follows (custodians and administrators are staff)."""
    roles = _validated_roles(roles)
    user = User.objects.select_for_update().get(pk=user.pk)
    old = sorted(user.groups.values_list("name", flat=True))
    _apply_roles(user, roles)
    event_record(
        actor=actor, code="alprportal.accounts.user.roles_changed", target=user, data={"old": old, "new": roles}
    )
    return user


@transaction.atomic
def user_deactivate(*, actor: User | None, user: User, reason: str = DeactivationReason.MANUAL, note: str = "",
                    now: datetime | None = None) -> User:
    """Deactivate an account. Nothing is deleted: records, training and access-log rows keep naming the person.
    Open sessions end at their next request (AccountStatusBackend.get_user)."""
    user = User.objects.select_for_update().get(pk=user.pk)
    if actor is not None and actor.pk == user.pk:
        raise ApplicationError(CANNOT_DEACTIVATE_SELF, code="cannot_deactivate_self")
    if not user.is_active:
        raise ApplicationError(ALREADY_INACTIVE.format(user=user), code="already_inactive")
    user.is_active = False
    user.deactivated_at = now or timezone.now()
    user.deactivation_reason = reason
    user.deactivation_note = note
    user.save(update_fields=["is_active", "deactivated_at", "deactivation_reason", "deactivation_note"])
    event_record(
        actor=actor, code="alprportal.accounts.user.deactivated", target=user, data={"reason": reason, "note": note}
    )
    return user


def user_suspend_for_inactivity(*, user: User, now: datetime | None = None) -> User:
    return user_deactivate(
        actor=None, user=user, reason=DeactivationReason.INACTIVITY, now=now,
        note=f"No login since {timezone.localtime(user.last_activity_at):%Y-%m-%d}.",
    )


@transaction.atomic
def user_reactivate(*, actor: User, user: User, note: str = "") -> User:
    """Reactivate an account; the dormancy clock restarts now."""
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.is_active:
        raise ApplicationError(ALREADY_ACTIVE.format(user=user), code="already_active")
    old_reason = user.deactivation_reason
    user.is_active = True
    user.reactivated_at = timezone.now()
    user.deactivated_at = None
    user.deactivation_reason = ""
    user.deactivation_note = ""
    user.save(update_fields=["is_active", "reactivated_at", "deactivated_at", "deactivation_reason",
                             "deactivation_note"])
    event_record(
        actor=actor, code="alprportal.accounts.user.reactivated", target=user,
        data={"previous_reason": old_reason, "note": note},
    )
    return user


def users_suspend_dormant(*, now: datetime | None = None) -> list[str]:
    """Suspend every active account unused for the inactivity period (nightly; idempotent). Returns usernames."""
    now = now or timezone.now()
    cutoff = dormancy_cutoff(now=now)
    candidates = User.objects.filter(is_active=True, date_joined__lt=cutoff).exclude(last_login__gte=cutoff).exclude(
        reactivated_at__gte=cutoff
    )
    suspended = []
    for user in candidates.iterator():
        user_suspend_for_inactivity(user=user, now=now)
        suspended.append(user.username)
    return suspended


@transaction.atomic
def user_rank_set(*, actor: User | None, user: User, rank: str) -> User:
    """Record a person's rank or supervisory level (R-AUD-4: sergeant or higher, or manager, receives members'
    violation reports). No-op when unchanged; the event keeps the old value."""
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.rank == rank:
        return user
    old, user.rank = user.rank, rank
    user.full_clean(exclude=["password"])
    user.save(update_fields=["rank"])
    event_record(actor=actor, code="alprportal.accounts.user.rank_changed", target=user,
                 data={"old": old, "new": rank})
    return user
