"""R-OPS-1 sign-on/sign-off of mobile units and the supervisors' gap report with its recorded review; R-READ-5a the
start-of-shift inspection folded into the sign-on (a failed one takes the unit out of service, and its reads are
then never matched)."""

from __future__ import annotations

from datetime import UTC, timedelta

import pytest

from apps.audit.models import DomainEvent
from apps.common.errors import ApplicationError, PermissionDeniedError
from apps.hotlists.models import Hit
from apps.hotlists.services.alerts import units_out_of_service_notify
from apps.notifications.models import Notification
from apps.reads.choices import CameraKind, CameraStatus
from apps.reads.models import Read
from apps.reads.services.cameras import camera_create, camera_report_status
from apps.reads.services.ingest import read_batch_ingest
from apps.shifts.models import ShiftGapReview, SignOnStatus, UnitSignOn
from apps.shifts.selectors import GAP_EARLY_SIGN_OFF, GAP_NO_SIGN_ON, shift_gap_report
from apps.shifts.services import (
    INSPECTION_NOTE_REQUIRED,
    REVIEW_NOTE_REQUIRED,
    REVIEW_SHIFT_NOT_STARTED,
    SIGN_OFF_EARLY_NOTE_REQUIRED,
    SIGN_ON_ALREADY_OPEN,
    SIGN_ON_NOT_ALLOWED,
    SIGN_ON_OUT_OF_SERVICE,
    shift_gap_review_record,
    unit_sign_off,
    unit_sign_on,
)
from apps.shifts.windows import shift_at, shift_for_sign_on
from tests.shifts.conftest import DAY, clock, local

pytestmark = pytest.mark.django_db


def test_the_shift_in_progress_and_the_one_a_sign_on_is_for():
    """R-OPS-1: 03:00 is the previous day's night shift, not the day shift still to come."""
    assert shift_at(local(3)) == (DAY - timedelta(days=1), "night")
    assert shift_at(local(7)) == (DAY, "day")
    assert shift_at(local(15)) == (DAY, "swing")
    assert shift_at(local(23)) == (DAY, "night")
    assert shift_for_sign_on(local(5, 45)) == (DAY, "day"), "30 minutes' lead"


def test_sign_on_records_the_server_time_the_shift_and_the_hot_list_version(unit, officer, hot_list):
    """R-OPS-1"""
    with clock(local(6, 10)) as now:
        sign_on = unit_sign_on(actor=officer, camera=unit, affixed=True, undamaged=True)
    assert (sign_on.status, sign_on.signed_on_at, sign_on.shift_date, sign_on.shift) == (
        SignOnStatus.SIGNED_ON, now, DAY, "day")
    assert list(sign_on.hot_list_versions.all()) == [hot_list.current_version]
    event = DomainEvent.objects.get(code="alprportal.shifts.unit.signed_on")
    assert event.data["hot_list_versions"] == {str(hot_list.pk): hot_list.current_version.number}
    with clock(local(6, 20)), pytest.raises(ApplicationError) as caught:
        unit_sign_on(actor=officer, camera=unit, affixed=True, undamaged=True)
    assert caught.value.message == SIGN_ON_ALREADY_OPEN.format(camera=unit, officer=officer, since="06:10")


def test_only_the_units_officer_or_a_supervisor_signs_it_on(unit, make_user, boss):
    """R-OPS-1"""
    from apps.accounts.roles import Role

    with pytest.raises(PermissionDeniedError) as caught:
        unit_sign_on(actor=make_user(Role.OPERATOR), camera=unit, affixed=True, undamaged=True)
    assert caught.value.message == SIGN_ON_NOT_ALLOWED
    assert unit_sign_on(actor=boss, camera=unit, affixed=True, undamaged=True).officer == boss


def test_a_unit_out_of_service_cannot_be_signed_on(unit, officer):
    """R-READ-5a: damaged equipment is not used."""
    camera_report_status(actor=officer, camera=unit, status="out_of_service", reason="Cracked lens")
    with pytest.raises(ApplicationError) as caught:
        unit_sign_on(actor=officer, camera=unit, affixed=True, undamaged=True)
    assert caught.value.message == SIGN_ON_OUT_OF_SERVICE.format(camera=unit)


def test_a_failed_inspection_takes_the_unit_out_of_service_and_stops_matching(unit, officer, boss, hot_list):
    """R-READ-5a: the start-of-shift inspection (affixed, undamaged) is part of the sign-on."""
    with pytest.raises(ApplicationError) as caught:
        unit_sign_on(actor=officer, camera=unit, affixed=True, undamaged=False)
    assert caught.value.message == INSPECTION_NOTE_REQUIRED
    sign_on = unit_sign_on(actor=officer, camera=unit, affixed=True, undamaged=False,
                           inspection_note="Lens cracked")
    unit.refresh_from_db()
    assert sign_on.status == SignOnStatus.FAILED_INSPECTION and unit.status == CameraStatus.OUT_OF_SERVICE
    assert sign_on.status_report.reason == "Start-of-shift inspection failed (damaged): Lens cracked"
    assert not sign_on.hot_list_versions.exists(), "a unit not used loads nothing"
    assert units_out_of_service_notify() >= 1
    assert Notification.objects.filter(recipient=boss, title__contains="out of service").exists()
    from django.utils import timezone

    result = read_batch_ingest(camera=unit, items=[{"plate": "7ABC123", "captured_at": timezone.now().astimezone(
        UTC).isoformat(), "read_id": "after-inspection"}])
    read = Read.objects.get(pk=result.results[0].id)
    assert read.flagged_out_of_service and not Hit.objects.exists()


def test_sign_off_before_the_end_needs_a_note_and_is_an_early_gap(unit, officer, boss):
    """R-OPS-1"""
    with clock(local(6, 5)):
        sign_on = unit_sign_on(actor=officer, camera=unit, affixed=True, undamaged=True)
    with clock(local(11, 0)):
        with pytest.raises(ApplicationError) as caught:
            unit_sign_off(actor=officer, sign_on=sign_on, note="")
        assert caught.value.message == SIGN_OFF_EARLY_NOTE_REQUIRED.format(end="14:00")
        unit_sign_off(actor=officer, sign_on=sign_on, note="Court appearance")
    with clock(local(14, 30)) as now:
        report = shift_gap_report(user=boss, shift_date=DAY, shift="day", now=now)
    [row] = report.rows
    assert row.gap == GAP_EARLY_SIGN_OFF and "signed off 11:00" in row.gap_detail and "Court" in row.gap_detail


def test_a_sign_off_near_the_end_is_no_gap(unit, officer, boss):
    """R-OPS-1"""
    with clock(local(6, 5)):
        sign_on = unit_sign_on(actor=officer, camera=unit, affixed=True, undamaged=True)
    with clock(local(13, 50)):
        unit_sign_off(actor=officer, sign_on=sign_on)
    with clock(local(15)) as now:
        [row] = shift_gap_report(user=boss, shift_date=DAY, shift="day", now=now).rows
    assert row.gap == "" and row.hot_list_versions == []


def test_shifts_without_sign_on_are_gaps_reads_without_one_say_so(unit, officer, boss, agency):
    """R-OPS-1"""
    camera_create(actor=None, name="Patrol unit 14", kind=CameraKind.MOBILE, agency=agency,
                         assigned_officer=officer, commissioned_at=local(0, days=-400))
    broken = camera_create(actor=None, name="Patrol unit 16", kind=CameraKind.MOBILE, agency=agency,
                           assigned_officer=officer, commissioned_at=local(0, days=-400))
    with clock(local(12, days=-1)):
        camera_report_status(actor=boss, camera=broken, status="out_of_service", reason="In the shop")
    with clock(local(9)):
        read_batch_ingest(camera=unit, items=[{"plate": "6TRJ244", "captured_at": local(8, 55)
                                               .astimezone(UTC).isoformat(), "read_id": "r1"}])
    with clock(local(9, 30)) as now:
        report = shift_gap_report(user=boss, shift_date=DAY, shift="day", now=now)
    rows = {row.camera.name: row for row in report.rows}
    assert (rows["Patrol unit 12"].gap, rows["Patrol unit 12"].gap_detail) == (
        GAP_NO_SIGN_ON, "1 reads captured without a sign-on")
    assert (rows["Patrol unit 14"].gap, rows["Patrol unit 14"].gap_detail) == (GAP_NO_SIGN_ON, "not signed on (yet)")
    assert rows["Patrol unit 16"].out_of_service and rows["Patrol unit 16"].gap == ""
    assert report.in_progress and report.gap_count == 2
    with clock(local(9, 30)) as now:
        assert shift_gap_report(user=boss, shift_date=DAY, shift="swing", now=now).gap_count == 0


def test_a_sign_on_left_open_is_closed_by_the_next_and_is_not_early(unit, officer, boss):
    """R-OPS-1"""
    with clock(local(6, 5)):
        first = unit_sign_on(actor=officer, camera=unit, affixed=True, undamaged=True)
    with clock(local(14, 5)):
        unit_sign_on(actor=officer, camera=unit, affixed=True, undamaged=True)
    first.refresh_from_db()
    assert first.closed_by_next_sign_on and first.signed_off_at == local(14)
    with clock(local(15)) as now:
        [row] = shift_gap_report(user=boss, shift_date=DAY, shift="day", now=now).rows
    assert row.gap == ""


def test_the_supervisor_records_a_review_with_the_gaps_seen(unit, officer, boss):
    """R-OPS-1: the review records who, when (the server's time) and the note, with the gaps as they were."""
    with clock(local(15)) as now:
        with pytest.raises(ApplicationError) as caught:
            shift_gap_review_record(actor=boss, shift_date=DAY, shift="day", note=" ")
        assert caught.value.message == REVIEW_NOTE_REQUIRED
        with pytest.raises(ApplicationError) as caught:
            shift_gap_review_record(actor=boss, shift_date=DAY, shift="night", note="x")
        assert caught.value.message == REVIEW_SHIFT_NOT_STARTED
        with pytest.raises(PermissionDeniedError):
            shift_gap_review_record(actor=officer, shift_date=DAY, shift="day", note="mine")
        review = shift_gap_review_record(actor=boss, shift_date=DAY, shift="day",
                                         note="Park was at court; spoke to him.")
    assert (review.reviewed_by, review.reviewed_at, review.gap_count, review.unit_count) == (boss, now, 1, 1)
    assert review.gaps == [{"unit": "Patrol unit 12", "officer": str(officer), "gap": GAP_NO_SIGN_ON,
                            "detail": "not signed on"}]
    assert ShiftGapReview.objects.count() == 1
    assert DomainEvent.objects.filter(code="alprportal.shifts.gaps.reviewed").count() == 1
    assert UnitSignOn.objects.count() == 0
    assert now - review.reviewed_at == timedelta(0)


def test_heartbeats_are_evidence_that_the_reader_was_active(unit, officer, boss):
    """R-OPS-1: the gap report shows when the unit's reader sent heartbeats during the shift; heartbeats without a
    sign-on are a gap that says so (issue #21)."""
    from apps.reads.services.agents import camera_heartbeat_record

    heartbeat = {"data_type": "heartbeat", "agent_version": "4.1.6",
                 "video_streams": [{"camera_id": 1, "is_streaming": True}]}
    for minute in range(0, 60, 5):  # 07:00–07:55, every five minutes: one window
        camera_heartbeat_record(camera=unit, payload=heartbeat, now=local(7, minute))
    camera_heartbeat_record(camera=unit, payload=heartbeat, now=local(5))  # before the day shift: not counted
    with clock(local(9)) as now:
        row = shift_gap_report(user=boss, shift_date=DAY, shift="day", now=now).rows[0]
    assert (row.active_from, row.active_to) == (local(7), local(7, 55))
    assert row.gap == GAP_NO_SIGN_ON and row.gap_detail == "reader active 07:00–07:55 (heartbeats) without a sign-on"
    with clock(local(9)) as now:
        assert shift_gap_report(user=boss, shift_date=DAY, shift="swing", now=now).rows[0].active_from is None


def test_a_patrol_unit_is_watched_for_heartbeats_only_while_signed_on(unit, officer):
    """R-READ-5: a parked patrol car between shifts is expected to be silent; signed on, its silence is "not
    reporting" (issue #21)."""
    from apps.reads.services.agents import camera_heartbeat_record, cameras_not_reporting_check

    camera_heartbeat_record(camera=unit, payload={"data_type": "heartbeat"}, now=local(6, 10))
    with clock(local(7)) as now:
        assert cameras_not_reporting_check(now=now) == 0, "not signed on: not watched"
    with clock(local(6, 5)):
        unit_sign_on(actor=officer, camera=unit, affixed=True, undamaged=True)
    with clock(local(7)) as now:
        assert cameras_not_reporting_check(now=now) == 1
    unit.refresh_from_db()
    assert unit.not_reporting_since == local(6, 10)
