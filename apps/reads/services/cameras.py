"""Cameras and their status (R-READ-5)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from apps.audit.services import event_record
from apps.audit.transitions import row_lock, transition_apply, transition_check
from apps.common.errors import ApplicationError, PermissionDeniedError
from apps.notifications.models import Severity
from apps.notifications.services import notification_send
from apps.reads.choices import CAMERA_STATUS_TRANSITIONS, CameraKind, CameraStatus
from apps.reads.hooks import reads_changed_notify, reads_out_of_service_notify, reads_withdrawn_none
from apps.reads.models import Camera, CameraStatusReport, Read

STATUS_UNCHANGED = "{camera} is already {status}."
STATUS_REASON_REQUIRED = "Say what happened (e.g. “windshield camera cracked”)."
STATUS_IN_FUTURE = "The status cannot take effect in the future."
STATUS_BEFORE_LAST_REPORT = "The status cannot take effect before the unit's last status report ({when})."
STATUS_NOT_YOUR_UNIT = "You may report only the units assigned to you."
STATUS_TOO_FAR_BACK = (
    "You may date a status report at most {hours} hours back (from {earliest}). For an earlier time ask your "
    "supervisor: a report withdraws the open hits of every read the unit took since."
)
OFFICER_ONLY_FOR_MOBILE = "Only a mobile unit has an assigned officer."
COMMISSIONED_TOO_EARLY = "A unit cannot have been commissioned before {earliest:%Y-%m-%d}; check the date."
COMMISSIONED_TOO_LATE = "A unit cannot be commissioned more than a year from now; check the date."
# No ALPR unit predates this; a commissioning date before it is a typo that would let forged old reads in.
EARLIEST_COMMISSIONING = datetime(2000, 1, 1, tzinfo=UTC)


def camera_may_report_status(*, user, camera: Camera) -> bool:
    """Administrators and supervisors may report any unit; an operator only the mobile units assigned to them."""
    if not user.has_perm("reads.add_camerastatusreport"):
        return False
    from apps.accounts.roles import Role

    if user.has_role(Role.SYSADMIN, Role.SUPERVISOR):
        return True
    return camera.assigned_officer_id == user.pk


@transaction.atomic
def camera_create(
    *, actor, name: str, kind: str, agency, commissioned_at: datetime | None = None, location_description: str = "",
    latitude: float | None = None, longitude: float | None = None, assigned_officer=None, external_id: str = "",
) -> Camera:
    """Register a camera, mobile unit or upload source (in service from ``commissioned_at``, default now)."""
    if assigned_officer is not None and kind != CameraKind.MOBILE:
        raise ApplicationError(OFFICER_ONLY_FOR_MOBILE, code="officer_only_for_mobile")
    now = timezone.now()
    if commissioned_at is not None and commissioned_at < EARLIEST_COMMISSIONING:
        raise ApplicationError(COMMISSIONED_TOO_EARLY.format(earliest=EARLIEST_COMMISSIONING),
                               code="commissioned_too_early")
    if commissioned_at is not None and commissioned_at > now + timedelta(days=366):
        raise ApplicationError(COMMISSIONED_TOO_LATE, code="commissioned_too_late")
    camera = Camera(
        name=name, kind=kind, agency=agency, location_description=location_description, latitude=latitude,
        longitude=longitude, assigned_officer=assigned_officer, external_id=external_id,
        commissioned_at=commissioned_at or now, status=CameraStatus.IN_SERVICE,
    )
    camera.full_clean()
    camera.save()
    event_record(actor=actor, code="alprportal.reads.camera.created", target=camera,
                 data={"kind": kind, "name": name})
    return camera


def _status_refused(camera: Camera, target: str) -> ApplicationError:
    return ApplicationError(STATUS_UNCHANGED.format(camera=camera, status=camera.get_status_display().lower()),
                            code="status_unchanged")


# The unit's service status machine (R-READ-5), for apps.audit.transitions.
_MACHINE = {"transitions": CAMERA_STATUS_TRANSITIONS, "refuse": _status_refused}


@transaction.atomic
def camera_report_status(
    *, actor, camera: Camera, status: str, reason: str, effective_at: datetime | None = None
) -> CameraStatusReport:
    """Report a unit out of service (damaged, inoperable) or back in service (R-READ-5).

    Locks the camera, refuses a no-op or a time before the last report, writes the history row and the domain
    event, and flags the reads already stored that were captured while the unit was out of service (reads arriving
    later are flagged at ingest). Operators may report only their own units.
    """
    if not camera_may_report_status(user=actor, camera=camera):
        raise PermissionDeniedError(STATUS_NOT_YOUR_UNIT, code="not_your_unit")
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError(STATUS_REASON_REQUIRED, code="reason_required")
    now = timezone.now()
    effective_at = effective_at or now
    if effective_at > now:
        raise ApplicationError(STATUS_IN_FUTURE, code="status_in_future")
    _back_dating_check(actor=actor, effective_at=effective_at, now=now)
    camera = row_lock(camera)
    transition_check(camera, status, **_MACHINE)
    last = camera.status_reports.order_by("-effective_at").first()
    if last is not None and effective_at < last.effective_at:
        when = f"{timezone.localtime(last.effective_at):%Y-%m-%d %H:%M}"
        raise ApplicationError(STATUS_BEFORE_LAST_REPORT.format(when=when), code="status_before_last_report")
    previous = camera.status
    report = CameraStatusReport(camera=camera, status=status, previous_status=previous, effective_at=effective_at,
                                reason=reason, reported_by=actor)
    report.full_clean()
    unflagged = 0
    withdrawn = reads_withdrawn_none()
    if status == CameraStatus.OUT_OF_SERVICE:
        # Reads may already be stored for the time between the damage and the report (or arrive late): flag them,
        # and withdraw the unconfirmed hits they raised before anyone knew (R-READ-5a).
        flagged = Read.objects.filter(camera=camera, captured_at__gte=effective_at, flagged_out_of_service=False)
        flagged_ids = list(flagged.values_list("id", flat=True))
        report.reads_flagged = Read.objects.filter(pk__in=flagged_ids).update(flagged_out_of_service=True)
        withdrawn = reads_out_of_service_notify(actor=actor, read_ids=flagged_ids, effective_at=effective_at)
    else:
        # Back in service from effective_at: reads flagged at ingest while the report was pending are not flagged,
        # and, never having been matched (R-READ-5a), are matched now.
        unflagged_ids = list(Read.objects.filter(camera=camera, captured_at__gte=effective_at,
                                                 flagged_out_of_service=True).values_list("id", flat=True))
        unflagged = Read.objects.filter(pk__in=unflagged_ids).update(flagged_out_of_service=False)
        reads_changed_notify(read_ids=unflagged_ids)
    report.save()
    verb = "out_of_service" if status == CameraStatus.OUT_OF_SERVICE else "in_service"
    transition_apply(camera, status, actor=actor, event_code=f"alprportal.reads.camera.{verb}",
                     changes={"status_changed_at": effective_at},
                     data={"effective_at": effective_at, "reason": reason, "reads_flagged": report.reads_flagged,
                           "reads_unflagged": unflagged, **withdrawn}, **_MACHINE)
    return report


def _back_dating_check(*, actor, effective_at: datetime, now: datetime) -> None:
    """R-READ-5: a unit's reads are flagged, and the open hits they raised withdrawn, from the report's time on. An
    operator reports their own unit as they find it, so they may date a report back a patrol shift at most
    (``CAMERA_STATUS_BACKDATE_HOURS``); a supervisor or administrator, who answers for the unit's history, may date
    it further. Without a limit an operator could withdraw every hit their unit ever raised with one report."""
    from apps.accounts.roles import Role

    if actor.has_role(Role.SYSADMIN, Role.SUPERVISOR):
        return
    hours = settings.PORTAL["CAMERA_STATUS_BACKDATE_HOURS"]
    earliest = now - timedelta(hours=hours)
    if effective_at < earliest:
        when = f"{timezone.localtime(earliest):%Y-%m-%d %H:%M}"
        raise ApplicationError(STATUS_TOO_FAR_BACK.format(hours=hours, earliest=when), code="status_too_far_back",
                               extra={"field": "effective_at"})


def units_out_of_service_notify(*, now: datetime | None = None, lookback_hours: int = 24) -> int:
    """Tell the ALPR Administrator (R-ADM-1; ``alpr_administrator_recipients``, which falls back to the agency's
    system administrators when none is designated) and the officer's own supervisor about units reported out of
    service in the last ``lookback_hours`` that are still out of service (policy 002, R-READ-5). Idempotent per
    status report."""
    from apps.accounts.selectors import alpr_administrator_recipients

    now = now or timezone.now()
    reports = (CameraStatusReport.objects.filter(status=CameraStatus.OUT_OF_SERVICE,
                                                 camera__status=CameraStatus.OUT_OF_SERVICE,
                                                 reported_at__gte=now - timedelta(hours=lookback_hours))
               .select_related("camera__agency", "camera__assigned_officer__supervisor", "reported_by"))
    sent = 0
    for report in reports:
        officer = report.camera.assigned_officer
        with transaction.atomic():
            sent += len(notification_send(
                recipients=[*alpr_administrator_recipients(agency=report.camera.agency),
                            *([officer.supervisor] if officer and officer.supervisor else [])],
                severity=Severity.WARNING,
                title=f"{report.camera} reported out of service",
                body=(f"Reported by {report.reported_by} at {timezone.localtime(report.reported_at):%Y-%m-%d %H:%M}, "
                      f"effective {timezone.localtime(report.effective_at):%Y-%m-%d %H:%M}: {report.reason} "
                      "Its reads are stored flagged and are not matched against the hot lists until it is back in "
                      "service (R-READ-5a)."),
                link=reverse("reads:camera", args=[report.camera_id]),
                dedupe_key=f"unit-out-of-service:{report.pk}",
            ))
    return sent


CAMERA_EDITABLE_FIELDS = ("name", "location_description", "latitude", "longitude", "assigned_officer", "external_id",
                          "commissioned_at")


@transaction.atomic
def camera_update(*, actor, camera: Camera, **changes) -> Camera:
    """Change a camera's description (not its status: see ``camera_report_status``); diffs go to auditlog."""
    unknown = set(changes) - set(CAMERA_EDITABLE_FIELDS)
    if unknown:
        raise ApplicationError(f"These fields cannot be changed here: {', '.join(sorted(unknown))}.",
                               code="field_not_editable")
    camera = Camera.objects.select_for_update().get(pk=camera.pk)
    old = {name: getattr(camera, name) for name in changes}
    for name, value in changes.items():
        setattr(camera, name, value)
    if camera.assigned_officer_id and camera.kind != CameraKind.MOBILE:
        raise ApplicationError(OFFICER_ONLY_FOR_MOBILE, code="officer_only_for_mobile")
    camera.full_clean()
    camera.save(update_fields=list(changes) or None)
    if changes:
        event_record(actor=actor, code="alprportal.reads.camera.changed", target=camera,
                     data={"old": {k: str(v) for k, v in old.items()},
                           "new": {k: str(getattr(camera, k)) for k in changes}})
    return camera

