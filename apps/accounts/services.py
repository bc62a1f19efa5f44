"""Writes to people: creation, roles, deactivation and suspension (R-ACC-1, R-ACC-3, R-AUD-2); title and affiliation
(R-ACC-5); background checks (R-ACC-6); the ALPR Administrator's designation (R-ADM-1)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta

from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.db import transaction
from django.utils import timezone

from apps.accounts.models import AlprAdministratorDesignation, BackgroundCheck, DeactivationReason, User
from apps.accounts.roles import STAFF_ROLES, Role
from apps.accounts.selectors import dormancy_cutoff
from apps.audit.services import event_record
from apps.common.errors import ApplicationError

UNKNOWN_ROLE = "Unknown role “{role}”."
ALREADY_INACTIVE = "{user} is already deactivated."
ALREADY_ACTIVE = "{user} is already active."
CANNOT_DEACTIVATE_SELF = "You cannot deactivate your own account."
JOB_TITLE_REQUIRED = "Every account records the person's job title or designation (R-ACC-5)."
BACKGROUND_CHECK_OWN = "You cannot record your own background check: another person records it (R-ACC-6)."
BACKGROUND_CHECK_IN_FUTURE = "A background check cannot be completed in the future."
BACKGROUND_CHECK_NO_ACTOR = "A background check is recorded by a named person (R-ACC-6)."
ADMINISTRATOR_INACTIVE = "{person} has a deactivated account and cannot be designated ALPR Administrator."
ADMINISTRATOR_OTHER_AGENCY = "{person} is not a member of {agency}; the ALPR Administrator is one of its own people."
ADMINISTRATOR_BEFORE_CURRENT = (
    "The current designation ({current}) started on {start:%B %-d, %Y}; a new one cannot start before it."
)
ADMINISTRATOR_TITLE_REQUIRED = "The ALPR Administrator's title is required (R-ADM-1)."
ADMINISTRATOR_NONE = "No ALPR Administrator designation is in force for {agency}."


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
    affiliation: str = "member",
    supervisor: User | None = None,
    validate_password_strength: bool = True,
    rank: str = "",
) -> User:
    """Create a named account (no shared accounts, R-ACC-3) with its roles as group memberships (R-ACC-1), the
    person's job title or designation and whether they are a member or an independent contractor (R-ACC-5)."""
    roles = _validated_roles(roles)
    if not (job_title or "").strip():
        raise ApplicationError(JOB_TITLE_REQUIRED, code="job_title_required")
    user = User(
        username=username, first_name=first_name, last_name=last_name, email=email, agency=agency,
        job_title=job_title.strip(), affiliation=affiliation, supervisor=supervisor, rank=rank,
    )
    if password:
        if validate_password_strength:
            validate_password(password, user)
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.full_clean(exclude=["password"])
    user.save()
    user_roles_apply(user, roles)
    event_record(actor=actor, code="alprportal.accounts.user.created", target=user, data={"roles": roles})
    return user


def user_roles_apply(user: User, roles: list[str]) -> None:
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
    user_roles_apply(user, roles)
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
def background_check_record(*, actor: User, person: User, completed_on: date, reference: str = "",
                            notes: str = "") -> BackgroundCheck:
    """R-ACC-6: record that ``person``'s background check was completed on ``completed_on``.

    Recorded by a named person who is not ``person`` (also a database constraint); never in the future. Querying
    read data unblocks at once (the gate reads it live). Fails with ApplicationError or ValidationError.
    """
    if actor is None:
        raise ApplicationError(BACKGROUND_CHECK_NO_ACTOR, code="background_check_no_actor")
    if actor.pk == person.pk:
        raise ApplicationError(BACKGROUND_CHECK_OWN, code="own_background_check")
    if completed_on > timezone.localdate():
        raise ApplicationError(BACKGROUND_CHECK_IN_FUTURE, code="background_check_in_future")
    check = BackgroundCheck(person=person, completed_on=completed_on, reference=reference.strip(), notes=notes,
                            recorded_by=actor)
    check.full_clean()
    check.save()
    event_record(actor=actor, code="alprportal.accounts.background_check.recorded", target=person,
                 data={"person": person.username, "completed_on": completed_on, "reference": check.reference})
    return check


@transaction.atomic
def alpr_administrator_designate(*, actor: User | None, agency, person: User, title: str, effective_from: date,
                                 notes: str = "") -> AlprAdministratorDesignation:
    """R-ADM-1: designate ``person`` the agency's ALPR Administrator from ``effective_from``.

    Locks the agency's designation in force, ends it the day before (history is kept, never overwritten), and
    writes the new one with a domain event. Refuses an inactive person, a person of another agency, a missing title
    and a start before the current designation's start.
    """
    from apps.agencies.models import Agency

    agency = Agency.objects.select_for_update().get(pk=agency.pk)
    title = (title or "").strip()
    if not title:
        raise ApplicationError(ADMINISTRATOR_TITLE_REQUIRED, code="administrator_title_required")
    if not person.is_active:
        raise ApplicationError(ADMINISTRATOR_INACTIVE.format(person=person), code="administrator_inactive")
    if person.agency_id != agency.pk:
        raise ApplicationError(ADMINISTRATOR_OTHER_AGENCY.format(person=person, agency=agency),
                               code="administrator_other_agency")
    current = (AlprAdministratorDesignation.objects.select_for_update()
               .filter(agency=agency, effective_until__isnull=True).first())
    old = None
    if current is not None:
        if effective_from <= current.effective_from:
            raise ApplicationError(ADMINISTRATOR_BEFORE_CURRENT.format(current=current, start=current.effective_from),
                                   code="administrator_before_current")
        old = {"person": current.person.username, "title": current.title,
               "effective_from": current.effective_from.isoformat()}
        current.effective_until = effective_from - timedelta(days=1)
        current.full_clean()
        current.save(update_fields=["effective_until"])
    designation = AlprAdministratorDesignation(agency=agency, person=person, title=title,
                                               effective_from=effective_from, designated_by=actor, notes=notes)
    designation.full_clean()
    designation.save()
    event_record(actor=actor, code="alprportal.accounts.alpr_administrator.designated", target=designation,
                 data={"old": old, "new": {"person": person.username, "title": title,
                                           "effective_from": effective_from.isoformat()}})
    return designation


@transaction.atomic
def alpr_administrator_end(*, actor: User, agency, effective_until: date) -> AlprAdministratorDesignation:
    """R-ADM-1: end the designation in force on ``effective_until`` (the last day served), without a successor.
    Alerts then go to the fallback recipients (``alpr_administrator_recipients``)."""
    current = (AlprAdministratorDesignation.objects.select_for_update()
               .filter(agency=agency, effective_until__isnull=True).first())
    if current is None:
        raise ApplicationError(ADMINISTRATOR_NONE.format(agency=agency), code="administrator_none")
    current.effective_until = effective_until
    current.full_clean()
    current.save(update_fields=["effective_until"])
    event_record(actor=actor, code="alprportal.accounts.alpr_administrator.ended", target=current,
                 data={"person": current.person.username, "effective_until": effective_until.isoformat()})
    return current
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


API_KEY_OWN_ONLY = (
    "An API token acts as its owner, so it is issued only to the person who will use it: {user} creates their own "
    "(signed in with their second factor). Nobody holds another person's token (R-ACC-3)."
)
EVENT_API_KEY_ISSUED = "alprportal.accounts.api_token.issued"
EVENT_API_KEY_REVOKED = "alprportal.accounts.api_token.revoked"


@transaction.atomic
def api_token_issue(*, actor: User, user: User):
    """A new API token for ``user``, replacing any they had (R-SEC-2: tokens expire and can be revoked). Only for
    oneself: a token acts as its owner — every query it runs is logged under the owner's name, past their password
    and second factor — so an administrator who could mint one for someone else could query as them (R-ACC-3: named
    accounts, no shared ones). Raises ApplicationError otherwise."""
    from rest_framework.authtoken.models import Token

    if actor is None or actor.pk != user.pk:
        raise ApplicationError(API_KEY_OWN_ONLY.format(user=user), code="api_token_own_only")
    replaced = Token.objects.filter(user=user).delete()[0]
    token = Token.objects.create(user=user)
    event_record(actor=actor, code=EVENT_API_KEY_ISSUED, target=user, data={"replaced": bool(replaced)})
    return token


@transaction.atomic
def api_token_revoke(*, actor: User, user: User) -> bool:
    """Revoke ``user``'s API token (an administrator, or the person); True when there was one (R-SEC-2)."""
    from rest_framework.authtoken.models import Token

    deleted = Token.objects.filter(user=user).delete()[0]
    if deleted:
        event_record(actor=actor, code=EVENT_API_KEY_REVOKED, target=user, data={})
    return bool(deleted)
