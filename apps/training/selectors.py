"""Is a person's training current (R-ACC-2, R-ACC-2a)? And may they touch ALPR data at all today — training, a
course required of everyone, the acknowledgment of the usage and privacy policy (R-ACC-7) and, to query read data,
a background check (R-ACC-6)? The training gate (``apps.training.gate``) asks ``alpr_access_status_for``."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from apps.accounts.roles import Role
from apps.training.models import QUALIFYING, Course, CourseKind, TrainingRecord

MESSAGE_NO_INITIAL = (
    "You have not completed the initial ALPR training ({course}). Access to ALPR data is blocked until a "
    "completion is recorded (R-ACC-2)."
)
MESSAGE_NOT_QUALIFYING = (
    "Your completion of “{course}” does not count toward ALPR training: it does not cover {missing}. A course must "
    "cover SB 34 privacy, the SB 54 immigration restrictions and the agency's ALPR policy (R-ACC-2a)."
)
MESSAGE_LAPSED = (
    "Your ALPR training lapsed on {expired_on:%B %-d, %Y}: the annual refresher ({course}) is missing. Access to "
    "ALPR data has been blocked since then and stays blocked until a refresher completion is recorded (R-ACC-2)."
)
MESSAGE_REQUIRED_COURSE = (
    "“{course}” is required of everyone since {required_by:%B %-d, %Y} and no completion of it is on record for you. "
    "Access to ALPR data is blocked until it is recorded (R-ACC-2a)."
)
MESSAGE_NOT_STAFF = "Your role does not give access to ALPR data, so no ALPR training is asked of you."


def training_refresher_days() -> int:
    """R-ACC-2a: the one refresher interval — how long a completion keeps training current. The gate, the annual
    training report and the public page all read it here (setting ``TRAINING_REFRESHER_DAYS``)."""
    return int(settings.PORTAL["TRAINING_REFRESHER_DAYS"])


@dataclass(frozen=True)
class TrainingStatus:
    """The answer to "is this person's training current today?", with the reason in words for the blocked page."""

    current: bool
    missing_course: str = ""
    blocked_since: date | None = None
    valid_until: date | None = None
    message: str = ""
    # Courses required of everyone by a later date that the person has not completed: (course, date).
    upcoming_required: tuple = ()


def _course_title(kind: str) -> str:
    course = Course.objects.filter(QUALIFYING, kind=kind, active=True).order_by("title").first()
    return course.title if course else dict(CourseKind.choices)[kind]


def _required_courses_missing(user, records, today: date) -> tuple[list[Course], list[tuple[Course, date]]]:
    done = {record.course_id for record in records}
    overdue, upcoming = [], []
    for course in Course.objects.filter(active=True, required_by__isnull=False).order_by("required_by", "title"):
        if course.pk in done:
            continue
        if course.required_by <= today:
            overdue.append(course)
        else:
            upcoming.append((course, course.required_by))
    return overdue, upcoming


def training_status_for(*, user, today: date | None = None) -> TrainingStatus:
    """R-ACC-2 and R-ACC-2a: current when the person has a qualifying initial course, the latest qualifying completion
    is less than the refresher interval old, and no course required of everyone by today is missing.

    Only completions of a course covering all three subjects count; the interval is ``training_refresher_days()``
    whatever the course. Anonymous or inactive people are never current.
    """
    today = today or timezone.localdate()
    if not user.is_authenticated or not user.is_active:
        return TrainingStatus(current=False, message="Sign in with an active account.")
    records = list(
        TrainingRecord.objects.filter(person=user, completed_on__lte=today)
        .select_related("course")
        .order_by("-completed_on")
    )
    overdue, upcoming = _required_courses_missing(user, records, today)
    upcoming = tuple(upcoming)
    qualifying = [record for record in records if record.course.counts_toward_training]
    if not any(record.course.kind == CourseKind.INITIAL for record in qualifying):
        title = _course_title(CourseKind.INITIAL)
        unqualified = next((r.course for r in records if not r.course.counts_toward_training), None)
        message = (MESSAGE_NOT_QUALIFYING.format(course=unqualified.title,
                                                 missing=" and ".join(unqualified.subjects_missing))
                   if unqualified is not None else MESSAGE_NO_INITIAL.format(course=title))
        return TrainingStatus(
            current=False,
            missing_course=title,
            blocked_since=timezone.localtime(user.date_joined).date(),
            message=message,
            upcoming_required=upcoming,
        )
    interval = timedelta(days=training_refresher_days())
    valid_until = max(record.completed_on for record in qualifying) + interval
    if today > valid_until:
        title = _course_title(CourseKind.REFRESHER)
        return TrainingStatus(
            current=False,
            missing_course=title,
            blocked_since=valid_until + timedelta(days=1),
            valid_until=valid_until,
            message=MESSAGE_LAPSED.format(course=title, expired_on=valid_until),
            upcoming_required=upcoming,
        )
    if overdue:
        course = overdue[0]
        return TrainingStatus(
            current=False, missing_course=course.title, blocked_since=course.required_by, valid_until=valid_until,
            message=MESSAGE_REQUIRED_COURSE.format(course=course.title, required_by=course.required_by),
            upcoming_required=upcoming,
        )
    return TrainingStatus(current=True, valid_until=valid_until, upcoming_required=upcoming)


@dataclass(frozen=True)
class AccessStatus:
    """May this person touch ALPR data today (and, with ``querying``, query read data)? Every missing piece, each
    with its own words, so the blocked page and the API can say exactly what to do.

    ``message``, ``missing_course`` and ``blocked_since`` are those of the first missing piece (the gate's log and
    the API's 403 body use them)."""

    current: bool
    training: TrainingStatus
    policy_to_acknowledge: object | None = None  # apps.agencies.models.PolicyDocument
    background_check_missing: bool = False
    messages: list[str] = field(default_factory=list)

    @property
    def message(self) -> str:
        return self.messages[0] if self.messages else ""

    @property
    def missing_course(self) -> str:
        return self.training.missing_course

    @property
    def blocked_since(self) -> date | None:
        return self.training.blocked_since

    @property
    def valid_until(self) -> date | None:
        return self.training.valid_until


def alpr_access_status_for(*, user, querying: bool = False, today: date | None = None) -> AccessStatus:
    """The gate's one question. Training (R-ACC-2, R-ACC-2a) for everyone who reaches ALPR data; for agency staff
    also the acknowledgment of the usage and privacy policy in force (R-ACC-7); and, when ``querying`` read data, a
    background check on record unless the agency turned that off (R-ACC-6)."""
    from apps.accounts.selectors import BACKGROUND_CHECK_MISSING, background_check_missing_for
    from apps.agencies.selectors import POLICY_NOT_ACKNOWLEDGED, policy_acknowledgment_pending_for

    training = training_status_for(user=user, today=today)
    messages = [] if training.current else [training.message]
    pending = None
    missing_check = False
    if user.is_authenticated and user.is_active and user.is_internal:
        pending = policy_acknowledgment_pending_for(user=user, today=today)
        if pending is not None:
            messages.append(POLICY_NOT_ACKNOWLEDGED.format(title=pending.title, version=pending.version,
                                                           effective_on=pending.effective_on))
        if querying and background_check_missing_for(user=user):
            missing_check = True
            messages.append(BACKGROUND_CHECK_MISSING)
    return AccessStatus(current=not messages, training=training, policy_to_acknowledge=pending,
                        background_check_missing=missing_check, messages=messages)


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
