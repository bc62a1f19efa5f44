"""Writes of shift sign-ons and gap reviews (R-OPS-1, R-READ-5a). Each locks, checks, writes and records the domain
event in one transaction; every time recorded is the server's (``timezone.now()``), never a client's."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from apps.accounts.roles import Role
from apps.agencies.shift_windows import SHIFTS, shift_at, shift_for_sign_on, shift_window
from apps.audit.services import event_record
from apps.audit.transitions import row_lock, transition_apply, transition_check
from apps.common.errors import ApplicationError, PermissionDeniedError
from apps.reads.choices import CameraKind, CameraStatus
from apps.reads.models import Camera
from apps.shifts.models import SIGN_ON_TRANSITIONS, LeavePeriod, ShiftGapReview, SignOnStatus, UnitSignOn

SIGN_ON_NOT_ALLOWED = "You may sign on only the mobile units assigned to you."
SIGN_ON_NOT_MOBILE = "{camera} is not a mobile unit; only ALPR-equipped vehicles are signed on."
SIGN_ON_OUT_OF_SERVICE = (
    "{camera} is out of service: damaged or inoperable equipment is not used (R-READ-5a). Report it back in service "
    "once repaired."
)
SIGN_ON_ALREADY_OPEN = "{camera} is already signed on by {officer} since {since}."
INSPECTION_NOTE_REQUIRED = "Describe what is wrong with the unit (the inspection failed)."
INSPECTION_FAILED_REASON = "Start-of-shift inspection failed ({what}): {note}"
SIGN_OFF_NOT_OPEN = "This sign-on is {status}; only a unit signed on can be signed off."
SIGN_OFF_NOT_ALLOWED = "Only the officer who signed the unit on, or a supervisor, may sign it off."
SIGN_OFF_EARLY_NOTE_REQUIRED = (
    "The shift runs until {end}: say why the unit is signed off early (e.g. off duty, unit to the shop)."
)
LEAVE_NOT_THEIR_SUPERVISOR = "Only the person's supervisor records their leave."
LEAVE_DAYS_REVERSED = "The last day of leave is before the first: check the dates."
LEAVE_TOO_LONG = "A leave period is at most {days} days; record a longer absence as several periods."
LEAVE_MAX_DAYS = 366
REVIEW_NOT_ALLOWED = "You may not record reviews of shift gaps."
REVIEW_NOTE_REQUIRED = "Write what you found and did about the gaps (or why there is nothing to do)."
REVIEW_SHIFT_NOT_STARTED = "That shift has not started yet; there is nothing to review."
REVIEW_SHIFT_UNKNOWN = "Unknown shift “{shift}”: choose day, swing or night."


def unit_may_sign_on(*, user, camera: Camera) -> bool:
    """The unit's assigned officer, or a supervisor (who may take any unit out), with ``shifts.add_unitsignon``."""
    if not user.is_authenticated or not user.has_perm("shifts.add_unitsignon"):
        return False
    return camera.assigned_officer_id == user.pk or user.has_role(Role.SUPERVISOR)


def _sign_off_refused(sign_on: UnitSignOn, target: str) -> ApplicationError:
    return ApplicationError(SIGN_OFF_NOT_OPEN.format(status=sign_on.get_status_display().lower()),
                            code="sign_off_not_open")


# The sign-on's state machine, for apps.audit.transitions (its events are filed under the unit).
_SIGN_ON_MACHINE = {"transitions": SIGN_ON_TRANSITIONS, "refuse": _sign_off_refused}


def _close_stale(open_sign_on: UnitSignOn, *, now) -> None:
    """A sign-on left open past its shift: closed at its shift's end by the next sign-on, marked as such."""
    _start, end = shift_window(open_sign_on.shift_date, open_sign_on.shift)
    transition_apply(open_sign_on, SignOnStatus.SIGNED_OFF, actor=None,
                     event_code="alprportal.shifts.unit.sign_on_closed",
                     changes={"signed_off_at": min(end, now), "closed_by_next_sign_on": True},
                     data={"sign_on": open_sign_on.pk, "closed_at": min(end, now)}, event_target=open_sign_on.camera,
                     **_SIGN_ON_MACHINE)


@transaction.atomic
def unit_sign_on(*, actor, camera: Camera, affixed: bool, undamaged: bool, inspection_note: str = "") -> UnitSignOn:
    """Sign a mobile unit on for the current patrol shift (R-OPS-1), with the start-of-shift inspection (R-READ-5a).

    Records the server's time, the shift (``shift_for_sign_on``) and the hot-list versions in force, which the unit
    loads now (policy 002: "receive the automatic updated hot list at the beginning of each shift"). A failed
    inspection (not affixed, or damaged) is recorded as such and reports the unit out of service — which alerts
    supervisors and stops matching its reads — instead of signing it on; it returns that record, it does not
    raise (the report must commit). Raises PermissionDeniedError for someone else's unit; ApplicationError for a
    fixed camera, a unit out of service, or one already signed on for this shift.
    """
    from apps.hotlists.models import HotListVersion
    from apps.hotlists.selectors import hot_list_usable_versions
    from apps.reads.services.cameras import camera_report_status

    if not unit_may_sign_on(user=actor, camera=camera):
        raise PermissionDeniedError(SIGN_ON_NOT_ALLOWED, code="sign_on_not_allowed")
    camera = Camera.objects.select_for_update().get(pk=camera.pk)
    if camera.kind != CameraKind.MOBILE:
        raise ApplicationError(SIGN_ON_NOT_MOBILE.format(camera=camera), code="sign_on_not_mobile")
    if camera.status == CameraStatus.OUT_OF_SERVICE:
        raise ApplicationError(SIGN_ON_OUT_OF_SERVICE.format(camera=camera), code="unit_out_of_service")
    now = timezone.now()
    shift_date, shift = shift_for_sign_on(now)
    open_sign_on = UnitSignOn.objects.select_for_update().filter(camera=camera, status=SignOnStatus.SIGNED_ON).first()
    if open_sign_on is not None:
        if (open_sign_on.shift_date, open_sign_on.shift) == (shift_date, shift):
            raise ApplicationError(SIGN_ON_ALREADY_OPEN.format(
                camera=camera, officer=open_sign_on.officer,
                since=f"{timezone.localtime(open_sign_on.signed_on_at):%H:%M}"), code="sign_on_already_open")
        _close_stale(open_sign_on, now=now)
    inspection_note = (inspection_note or "").strip()
    passed = bool(affixed) and bool(undamaged)
    if not passed and not inspection_note:
        raise ApplicationError(INSPECTION_NOTE_REQUIRED, code="inspection_note_required")
    sign_on = UnitSignOn(camera=camera, officer=actor, shift_date=shift_date, shift=shift, signed_on_at=now,
                         inspection_affixed=bool(affixed), inspection_undamaged=bool(undamaged),
                         inspection_note=inspection_note,
                         status=SignOnStatus.SIGNED_ON if passed else SignOnStatus.FAILED_INSPECTION)
    if not passed:
        what = " and ".join(w for w, ok in (("not affixed", affixed), ("damaged", undamaged)) if not ok)
        sign_on.status_report = camera_report_status(
            actor=actor, camera=camera, status=CameraStatus.OUT_OF_SERVICE,
            reason=INSPECTION_FAILED_REASON.format(what=what, note=inspection_note), effective_at=now)
    sign_on.full_clean()
    sign_on.save()
    versions = []
    if passed:
        usable = hot_list_usable_versions(now=now)
        versions = list(HotListVersion.objects.filter(pk__in=[v for v, _n in usable.values()]))
        sign_on.hot_list_versions.set(versions)
    event_record(actor=actor, code=f"alprportal.shifts.unit.{'signed_on' if passed else 'inspection_failed'}",
                 target=camera,
                 data={"sign_on": sign_on.pk, "shift_date": shift_date, "shift": shift, "signed_on_at": now,
                       "affixed": bool(affixed), "undamaged": bool(undamaged), "inspection_note": inspection_note,
                       "hot_list_versions": {v.hot_list_id: v.number for v in versions}})
    return sign_on


def _early_by(sign_on: UnitSignOn, moment) -> bool:
    from datetime import timedelta

    _start, end = shift_window(sign_on.shift_date, sign_on.shift)
    return moment < end - timedelta(minutes=settings.PORTAL["SHIFT_EARLY_SIGN_OFF_MINUTES"])


@transaction.atomic
def unit_sign_off(*, actor, sign_on: UnitSignOn, note: str = "") -> UnitSignOn:
    """Sign a unit off (R-OPS-1): the server's time; before the shift's end (less the tolerance
    ``SHIFT_EARLY_SIGN_OFF_MINUTES``) a note saying why is required, and the gap report shows it as early.
    Raises PermissionDeniedError for someone else's sign-on (supervisors excepted); ApplicationError otherwise."""
    sign_on = row_lock(sign_on, related=("camera",))
    if not (sign_on.officer_id == actor.pk or (actor.has_role(Role.SUPERVISOR)
                                               and actor.has_perm("shifts.add_unitsignon"))):
        raise PermissionDeniedError(SIGN_OFF_NOT_ALLOWED, code="sign_off_not_allowed")
    transition_check(sign_on, SignOnStatus.SIGNED_OFF, **_SIGN_ON_MACHINE)
    now = timezone.now()
    note = (note or "").strip()
    early = _early_by(sign_on, now)
    if early and not note:
        _start, end = shift_window(sign_on.shift_date, sign_on.shift)
        raise ApplicationError(SIGN_OFF_EARLY_NOTE_REQUIRED.format(end=f"{timezone.localtime(end):%H:%M}"),
                               code="sign_off_early_note_required")
    transition_apply(sign_on, SignOnStatus.SIGNED_OFF, actor=actor, event_code="alprportal.shifts.unit.signed_off",
                     changes={"signed_off_at": now, "signed_off_by": actor, "sign_off_note": note},
                     data={"sign_on": sign_on.pk, "signed_off_at": now, "early": early, "note": note},
                     event_target=sign_on.camera, **_SIGN_ON_MACHINE)
    return sign_on


@transaction.atomic
def shift_gap_review_record(*, actor, shift_date: date, shift: str, note: str) -> ShiftGapReview:
    """Record a supervisor's review of a shift's gap report (R-OPS-1): who, the server's time, the note, and the
    gaps as the report shows them now. Refuses a shift not started yet and an empty note."""
    from apps.shifts.selectors import shift_gap_report

    if not actor.has_perm("shifts.add_shiftgapreview"):
        raise PermissionDeniedError(REVIEW_NOT_ALLOWED, code="review_not_allowed")
    if shift not in SHIFTS:
        raise ApplicationError(REVIEW_SHIFT_UNKNOWN.format(shift=shift), code="review_shift_unknown")
    note = (note or "").strip()
    if not note:
        raise ApplicationError(REVIEW_NOTE_REQUIRED, code="review_note_required")
    now = timezone.now()
    start, _end = shift_window(shift_date, shift)
    if start > now:
        raise ApplicationError(REVIEW_SHIFT_NOT_STARTED, code="review_shift_not_started")
    report = shift_gap_report(user=actor, shift_date=shift_date, shift=shift, now=now)
    gaps = [{"unit": row.camera.name, "officer": str(row.officer) if row.officer else "", "gap": row.gap,
             "detail": row.gap_detail} for row in report.rows if row.gap]
    review = ShiftGapReview(shift_date=shift_date, shift=shift, reviewed_by=actor, reviewed_at=now, note=note,
                            unit_count=len(report.rows), gap_count=len(gaps), gaps=gaps)
    review.full_clean()
    review.save()
    event_record(actor=actor, code="alprportal.shifts.gaps.reviewed", target=review,
                 data={"shift_date": shift_date, "shift": shift, "gaps": len(gaps), "units": len(report.rows),
                       "note": note})
    return review


def current_shift() -> tuple[date, str]:
    return shift_at(timezone.now())


@transaction.atomic
def leave_period_record(*, actor, person, first_day: date, last_day: date, note: str = "") -> LeavePeriod:
    """The person's supervisor records a period of leave (whole local days, inclusive); the review of the access
    log flags searches made on those days (R-AUD-3). PermissionDeniedError for anyone but the person's supervisor
    holding ``shifts.add_leaveperiod``; ApplicationError for reversed or over-long periods."""
    if (actor is None or person is None or not actor.has_perm("shifts.add_leaveperiod")
            or person.supervisor_id != actor.pk):
        raise PermissionDeniedError(LEAVE_NOT_THEIR_SUPERVISOR)
    if last_day < first_day:
        raise ApplicationError(LEAVE_DAYS_REVERSED, code="leave_days_reversed")
    if (last_day - first_day).days >= LEAVE_MAX_DAYS:
        raise ApplicationError(LEAVE_TOO_LONG.format(days=LEAVE_MAX_DAYS), code="leave_too_long")
    period = LeavePeriod(person=person, first_day=first_day, last_day=last_day, note=(note or "").strip()[:200],
                         recorded_by=actor, recorded_at=timezone.now())
    period.full_clean()
    period.save()
    event_record(actor=actor, code="alprportal.shifts.leave.recorded", target=period,
                 data={"person": person.pk, "first_day": first_day, "last_day": last_day})
    return period
