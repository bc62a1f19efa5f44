"""Reads of sign-ons and the supervisors' gap report (R-OPS-1)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from apps.accounts.roles import Role
from apps.agencies.shift_windows import shift_window
from apps.reads.choices import CameraKind, CameraStatus
from apps.reads.models import Camera, CameraHeartbeatWindow, CameraStatusReport, Read
from apps.shifts.models import LeavePeriod, ShiftGapReview, SignOnStatus, UnitSignOn

GAP_NO_SIGN_ON = "no_sign_on"
GAP_EARLY_SIGN_OFF = "early_sign_off"
GAP_LABELS = {GAP_NO_SIGN_ON: "Shift without sign-on", GAP_EARLY_SIGN_OFF: "Unit signed off early"}


def units_for_sign_on(*, user) -> QuerySet[Camera]:
    """The mobile units a person signs on: those assigned to them (supervisors may take any unit out, but their
    page lists their own and their team's)."""
    units = Camera.objects.filter(kind=CameraKind.MOBILE).select_related("assigned_officer").order_by("name")
    if not user.is_authenticated or not user.has_perm("shifts.add_unitsignon"):
        return units.none()
    if user.has_role(Role.SUPERVISOR):
        return units.filter(Q(assigned_officer=user) | Q(assigned_officer__supervisor=user))
    return units.filter(assigned_officer=user)


def sign_on_open_for(*, camera: Camera) -> UnitSignOn | None:
    return (UnitSignOn.objects.filter(camera=camera, status=SignOnStatus.SIGNED_ON)
            .select_related("officer").prefetch_related("hot_list_versions__hot_list").first())


def sign_on_list_visible_to(*, user) -> QuerySet[UnitSignOn]:
    """Sign-ons a person may see: their own; supervisors their team's; administrators all."""
    rows = UnitSignOn.objects.select_related("camera", "officer", "signed_off_by").prefetch_related(
        "hot_list_versions__hot_list")
    if not user.is_authenticated or not user.has_perm("shifts.view_unitsignon"):
        return rows.none()
    if user.has_role(Role.SYSADMIN):
        return rows
    if user.has_role(Role.SUPERVISOR):
        return rows.filter(Q(officer__supervisor=user) | Q(officer=user))
    return rows.filter(officer=user)


def leave_period_list_visible_to(*, user) -> QuerySet[LeavePeriod]:
    """The recorded leave of the people ``user`` supervises (directly); nothing for anyone else."""
    if not getattr(user, "is_authenticated", False) or not user.has_perm("shifts.view_leaveperiod"):
        return LeavePeriod.objects.none()
    return LeavePeriod.objects.filter(person__supervisor=user)


def gap_units_for(*, user) -> QuerySet[Camera]:
    """The mobile units a gap report covers: a supervisor's team's assigned units; administrators every unit."""
    from apps.hotlists.selectors import team_for

    units = Camera.objects.filter(kind=CameraKind.MOBILE, assigned_officer__isnull=False).select_related(
        "assigned_officer").order_by("name")
    if not user.is_authenticated or not user.has_perm("shifts.view_shiftgapreview"):
        return units.none()
    if user.has_role(Role.SYSADMIN):
        return units
    return units.filter(assigned_officer__in=team_for(user=user))


@dataclass
class GapRow:
    camera: Camera
    officer: object
    sign_ons: list = field(default_factory=list)
    out_of_service: bool = False
    reads: int = 0
    # Heartbeats of the unit's reader during the shift (issue #21): evidence that it was active, first and last.
    active_from: datetime | None = None
    active_to: datetime | None = None
    gap: str = ""
    gap_detail: str = ""

    @property
    def gap_label(self) -> str:
        return GAP_LABELS.get(self.gap, "")

    @property
    def hot_list_versions(self) -> list:
        for sign_on in self.sign_ons:
            versions = list(sign_on.hot_list_versions.all())
            if versions:
                return versions
        return []


@dataclass
class GapReport:
    shift_date: date
    shift: str
    start: datetime
    end: datetime
    in_progress: bool
    not_started: bool
    rows: list[GapRow]
    reviews: list[ShiftGapReview]

    @property
    def gap_count(self) -> int:
        return sum(1 for row in self.rows if row.gap)


def _out_of_service_throughout(camera: Camera, start: datetime, end: datetime) -> bool:
    """Out of service for the whole shift (reported before it began and not back during it): no sign-on expected."""
    reports = list(CameraStatusReport.objects.filter(camera=camera, effective_at__lt=end).order_by("effective_at"))
    in_force = [r for r in reports if r.effective_at <= start][-1:]
    during = [r for r in reports if r.effective_at > start]
    return bool(in_force) and in_force[0].status == CameraStatus.OUT_OF_SERVICE and not any(
        r.status == CameraStatus.IN_SERVICE for r in during)


def _reader_active(units, start: datetime, end: datetime) -> dict[int, tuple[datetime, datetime]]:
    """Per unit, the first and last moment of the shift covered by its agent's heartbeat windows (R-OPS-1)."""
    active: dict[int, tuple[datetime, datetime]] = {}
    for camera_id, first_at, last_at in (CameraHeartbeatWindow.objects
                                         .filter(camera__in=units, first_at__lt=end, last_at__gte=start)
                                         .values_list("camera_id", "first_at", "last_at")):
        low, high = max(first_at, start), min(last_at, end)
        known = active.get(camera_id)
        active[camera_id] = (min(low, known[0]), max(high, known[1])) if known else (low, high)
    return active


def shift_gap_report(*, user, shift_date: date, shift: str, now: datetime | None = None) -> GapReport:
    """Per mobile unit of the person's team, for one patrol shift (R-OPS-1, policy 002: "logging on software during
    each patrol shift"): its sign-ons with the hot-list versions loaded and the inspection, reads captured, and the
    gap if any — *no sign-on* (the unit in service and no sign-on in the shift, or reads captured or its reader's
    heartbeats received without one — heartbeats are the evidence that the reader was active, issue #21), or
    *signed off early* (the last sign-off more than ``SHIFT_EARLY_SIGN_OFF_MINUTES`` before the shift's end, with no
    sign-on after it). A unit out of service throughout, or whose inspection failed, has no gap. A shift not started
    yet has no gaps. Also the reviews recorded for the shift."""
    now = now or timezone.now()
    start, end = shift_window(shift_date, shift)
    not_started = start > now
    tolerance = timedelta(minutes=settings.PORTAL["SHIFT_EARLY_SIGN_OFF_MINUTES"])
    units = list(gap_units_for(user=user))
    sign_ons: dict[int, list[UnitSignOn]] = {}
    for sign_on in (UnitSignOn.objects.filter(camera__in=units, shift_date=shift_date, shift=shift)
                    .select_related("officer", "signed_off_by").prefetch_related("hot_list_versions__hot_list")
                    .order_by("signed_on_at")):
        sign_ons.setdefault(sign_on.camera_id, []).append(sign_on)
    reads = dict(Read.objects.filter(camera__in=units, captured_at__gte=start, captured_at__lt=min(end, now))
                 .values("camera_id").annotate(n=Count("id")).values_list("camera_id", "n"))
    active = _reader_active(units, start, min(end, now))
    rows = []
    for camera in units:
        row = GapRow(camera=camera, officer=camera.assigned_officer, sign_ons=sign_ons.get(camera.pk, []),
                     reads=reads.get(camera.pk, 0))
        row.active_from, row.active_to = active.get(camera.pk, (None, None))
        row.out_of_service = _out_of_service_throughout(camera, start, end)
        rows.append(row)
        if not_started or row.out_of_service:
            continue
        used = [s for s in row.sign_ons if s.status != SignOnStatus.FAILED_INSPECTION]
        if any(s.status == SignOnStatus.FAILED_INSPECTION for s in row.sign_ons) and not used:
            continue
        if not used:
            row.gap = GAP_NO_SIGN_ON
            if row.reads:
                row.gap_detail = f"{row.reads} reads captured without a sign-on"
            elif row.active_from is not None:  # the reader was on (heartbeats), but nobody signed the unit on
                row.gap_detail = (f"reader active {timezone.localtime(row.active_from):%H:%M}–"
                                  f"{timezone.localtime(row.active_to):%H:%M} (heartbeats) without a sign-on")
            else:
                row.gap_detail = "not signed on" + (" (yet)" if now < end else "")
            continue
        last = used[-1]
        if last.status == SignOnStatus.SIGNED_OFF and not last.closed_by_next_sign_on \
                and last.signed_off_at < end - tolerance:
            row.gap = GAP_EARLY_SIGN_OFF
            row.gap_detail = (f"signed off {timezone.localtime(last.signed_off_at):%H:%M}, shift ends "
                              f"{timezone.localtime(end):%H:%M}" + (f": {last.sign_off_note}" if last.sign_off_note
                                                                      else ""))
    reviews = list(ShiftGapReview.objects.filter(shift_date=shift_date, shift=shift).select_related("reviewed_by"))
    return GapReport(shift_date=shift_date, shift=shift, start=start, end=end, in_progress=start <= now < end,
                     not_started=not_started, rows=rows, reviews=reviews)
