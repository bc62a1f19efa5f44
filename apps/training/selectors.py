"""Is a person's training current? (R-ACC-2)"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Q
from django.utils import timezone

from apps.accounts.roles import Role
from apps.training.models import Course, CourseKind, TrainingRecord

MESSAGE_NO_INITIAL = (
    "You have not completed the initial ALPR training ({course}). Access to ALPR data is blocked until a "
    "completion is recorded (R-ACC-2)."
)
MESSAGE_LAPSED = (
    "Your ALPR training lapsed on {expired_on:%B %-d, %Y}: the annual refresher ({course}) is missing. Access to "
    "ALPR data has been blocked since then and stays blocked until a refresher completion is recorded (R-ACC-2)."
)


@dataclass(frozen=True)
class TrainingStatus:
    """The answer to "may this person touch ALPR data today?", with the reason in words for the blocked page."""

    current: bool
    missing_course: str = ""
    blocked_since: date | None = None
    valid_until: date | None = None
    message: str = ""


def _course_title(kind: str) -> str:
    course = Course.objects.filter(kind=kind, active=True).order_by("title").first()
    return course.title if course else dict(CourseKind.choices)[kind]


def training_status_for(*, user, today: date | None = None) -> TrainingStatus:
    """R-ACC-2: current when the person has an initial course and the latest completion is still valid.

    The initial course counts for its validity (one year); after that an annual refresher keeps training current.
    Anonymous or inactive people are never current.
    """
    today = today or timezone.localdate()
    if not user.is_authenticated or not user.is_active:
        return TrainingStatus(current=False, message="Sign in with an active account.")
    records = list(
        TrainingRecord.objects.filter(person=user, completed_on__lte=today)
        .select_related("course")
        .order_by("-completed_on")
    )
    if not any(record.course.kind == CourseKind.INITIAL for record in records):
        title = _course_title(CourseKind.INITIAL)
        return TrainingStatus(
            current=False,
            missing_course=title,
            blocked_since=timezone.localtime(user.date_joined).date(),
            message=MESSAGE_NO_INITIAL.format(course=title),
        )
    valid_until = max(record.completed_on + timedelta(days=record.course.validity_days) for record in records)
    if today > valid_until:
        title = _course_title(CourseKind.REFRESHER)
        return TrainingStatus(
            current=False,
            missing_course=title,
            blocked_since=valid_until + timedelta(days=1),
            valid_until=valid_until,
            message=MESSAGE_LAPSED.format(course=title, expired_on=valid_until),
        )
    return TrainingStatus(current=True, valid_until=valid_until)


def training_record_list_visible_to(*, user):
    """A person sees their own records; supervisors their team's; training staff and auditors all."""
    records = TrainingRecord.objects.select_related("person", "course", "recorded_by")
    if not user.is_authenticated:
        return records.none()
    if user.has_role(Role.SYSADMIN, Role.CUSTODIAN) and user.has_perm("training.view_trainingrecord"):
        return records
    if user.has_role(Role.SUPERVISOR) and user.has_perm("training.view_trainingrecord"):
        return records.filter(Q(person=user) | Q(person__supervisor=user))
    return records.filter(person=user)


def training_lapsed_among(*, people, today: date | None = None) -> list[tuple[object, TrainingStatus]]:
    """The people in ``people`` whose training is not current, with the reason (for home pages)."""
    result = []
    for person in people:
        status = training_status_for(user=person, today=today)
        if not status.current:
            result.append((person, status))
    return result
