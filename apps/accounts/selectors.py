"""Reads about people: dormancy (R-ACC-3), background checks (R-ACC-6), the ALPR Administrator (R-ADM-1) and
the titles authorized to use the system (R-ACC-5)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone

from apps.accounts.models import User
from apps.accounts.roles import Role


def dormancy_cutoff(*, now: datetime | None = None) -> datetime:
    return (now or timezone.now()) - timedelta(days=settings.ACCOUNT_INACTIVITY_SUSPEND_DAYS)


def user_is_dormant(*, user: User, now: datetime | None = None) -> bool:
    """No login (or reactivation) for the configured inactivity period. Superusers are not exempt."""
    return user.last_activity_at < dormancy_cutoff(now=now)


def users_visible_to(*, user: User) -> QuerySet[User]:
    """People a person may see listed: administrators all; supervisors their direct reports; others none.

    No view calls it (people are managed in the admin), but keep it: tests/test_object_routes.py discovers every
    ``*_visible_to(*, user)`` as its oracle, and judges security incidents and violation reports (which have no
    ``_list_visible_to`` of their own) through the person who detected or reported them."""
    people = User.objects.select_related("agency", "supervisor")
    if not user.is_authenticated:
        return people.none()
    if user.has_role(Role.SYSADMIN) and user.has_perm("accounts.view_user"):
        return people
    if user.has_role(Role.SUPERVISOR) and user.has_perm("accounts.view_team"):
        return people.filter(supervisor=user)
    return people.none()


BACKGROUND_CHECK_MISSING = (
    "Querying read data requires a completed background check on record (policy 004 §II, R-ACC-6), and none is "
    "recorded for you. Ask your system administrator to record it (date and reference); you cannot record your own."
)


def background_check_required_for(*, user: User) -> bool:
    """R-ACC-6: the setting of the person's agency (the deploying agency's for people without one)."""
    from apps.agencies.selectors import agency_get_deploying

    agency = user.agency if user.agency_id else agency_get_deploying()
    return True if agency is None else agency.background_check_required


def background_check_latest(*, user: User, today: date | None = None):
    from apps.accounts.models import BackgroundCheck

    today = today or timezone.localdate()
    return BackgroundCheck.objects.filter(person=user, completed_on__lte=today).select_related("recorded_by").first()


def background_check_missing_for(*, user: User, today: date | None = None) -> bool:
    """True when the person may not query read data for want of a background check (R-ACC-6).

    The gate asks, and the read selectors ask again for the same request's user: a check found on record is
    remembered on that user object for the day (a search sends one query for it, not two; issue #19). Only a check
    found is remembered — a missing one is looked up every time, so recording it opens access at once — and checks
    are never changed or deleted, so a remembered one cannot have gone. The agency's setting is read every time."""
    if not background_check_required_for(user=user):
        return False
    today = today or timezone.localdate()
    if getattr(user, "_background_check_on_record_for", None) == today:
        return False
    if background_check_latest(user=user, today=today) is None:
        return True
    user._background_check_on_record_for = today
    return False


def alpr_administrator_current(*, agency=None, today: date | None = None):
    """R-ADM-1: the designation in force today for ``agency`` (the deploying agency when None), or None."""
    from apps.accounts.models import AlprAdministratorDesignation
    from apps.agencies.selectors import agency_get_deploying

    agency = agency or agency_get_deploying()
    if agency is None:
        return None
    today = today or timezone.localdate()
    return (
        AlprAdministratorDesignation.objects.filter(agency=agency, effective_from__lte=today)
        .filter(Q(effective_until__isnull=True) | Q(effective_until__gte=today))
        .select_related("person", "agency")
        .order_by("-effective_from", "-id")
        .first()
    )


def alpr_administrator_recipients(*, agency=None) -> list[User]:
    """R-ADM-1: who receives the ALPR Administrator's alerts (damage reports, units out of service, security alerts).

    The person designated ALPR Administrator of ``agency`` (the deploying agency when None) today, if their account
    is active. FALLBACK — no designation in force, or the designee's account is deactivated: every active system
    administrator of that agency (agency staff holding the sysadmin role), so an alert is never lost. Callers pass
    the result as ``notification_send(recipients=...)``.
    """
    from apps.agencies.selectors import agency_get_deploying

    agency = agency or agency_get_deploying()
    designation = alpr_administrator_current(agency=agency)
    if designation is not None and designation.person.is_active:
        return [designation.person]
    admins = User.objects.filter(is_active=True, groups__name=str(Role.SYSADMIN)).distinct().order_by("username")
    if agency is not None:
        admins = admins.filter(agency=agency)
    return list(admins)


def job_titles_authorized() -> list[dict]:
    """R-ACC-5: the distinct job titles or designations of the active accounts of the deploying agency's staff who
    may use or access the system (internal roles), each marked when held by an independent contractor, for the
    public page."""
    from apps.accounts.models import Affiliation
    from apps.accounts.roles import INTERNAL_ROLES
    from apps.agencies.selectors import agency_get_deploying

    people = User.objects.filter(is_active=True, groups__name__in=[str(role) for role in INTERNAL_ROLES])
    deploying = agency_get_deploying()
    if deploying is not None:
        people = people.filter(agency=deploying)
    pairs = {(title.strip(), affiliation) for title, affiliation in
             people.exclude(job_title="").values_list("job_title", "affiliation")}
    return [{"title": title, "contractor": affiliation == Affiliation.CONTRACTOR}
            for title, affiliation in sorted(pairs, key=lambda pair: (pair[0].casefold(), pair[1]))]
