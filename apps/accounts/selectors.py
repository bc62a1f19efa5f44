"""Reads about people."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from apps.accounts.models import User
from apps.accounts.roles import Role


def dormancy_cutoff(*, now: datetime | None = None) -> datetime:
    return (now or timezone.now()) - timedelta(days=settings.ACCOUNT_INACTIVITY_SUSPEND_DAYS)


def user_is_dormant(*, user: User, now: datetime | None = None) -> bool:
    """No login (or reactivation) for the configured inactivity period. Superusers are not exempt."""
    return user.last_activity_at < dormancy_cutoff(now=now)


def users_visible_to(*, user: User) -> QuerySet[User]:
    """People a person may see listed: administrators all; supervisors their direct reports; others none."""
    people = User.objects.select_related("agency", "supervisor")
    if not user.is_authenticated:
        return people.none()
    if user.has_role(Role.SYSADMIN) and user.has_perm("accounts.view_user"):
        return people
    if user.has_role(Role.SUPERVISOR) and user.has_perm("accounts.view_team"):
        return people.filter(supervisor=user)
    return people.none()
