"""R-READ-5a: reads from a unit reported out of service are stored and flagged but never matched against hot lists
— at ingest, after a correction, in the catch-up of pending matches — and unconfirmed hits a unit raised before its
damage was reported are withdrawn. The supervisors' out-of-service alert says so."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.audit.models import DomainEvent
from apps.hotlists.choices import HitStatus
from apps.hotlists.models import Hit, PendingMatch
from apps.hotlists.services.hit_matching import hits_match_pending, hits_match_reads
from apps.hotlists.services.hits import HIT_WITHDRAWN_OUT_OF_SERVICE
from apps.notifications.models import Notification
from apps.reads.choices import CameraKind
from apps.reads.models import Read
from apps.reads.services.cameras import camera_create, camera_report_status, units_out_of_service_notify
from apps.reads.services.corrections import read_correct
from tests.hotlists.conftest import csv_of, soon
from tests.reads.conftest import correction_context

pytestmark = pytest.mark.django_db


@pytest.fixture
def unit(agency, operator):
    return camera_create(actor=None, name="Unit 7", kind=CameraKind.MOBILE, agency=agency, assigned_officer=operator,
                         commissioned_at=timezone.now() - timedelta(days=30))


@pytest.fixture
def stolen_list(make_list):
    return make_list(csv_of(f"7ABC123,CA,stolen vehicle,2,26-1,{soon()},Stolen",
                            f"8XYZ789,CA,stolen plate,2,26-2,{soon()},Stolen plate"))


def test_reads_of_a_unit_out_of_service_are_stored_flagged_and_raise_no_hit(unit, operator, stolen_list, ingest):
    """R-READ-5a"""
    camera_report_status(actor=operator, camera=unit, status="out_of_service", reason="Camera hanging loose",
                         effective_at=timezone.now() - timedelta(hours=1))
    [read_id] = ingest([("7ABC123", 10)], on=unit)
    read = Read.objects.get(pk=read_id)
    assert read.flagged_out_of_service is True, "the read is stored, flagged"
    assert not Hit.objects.exists(), "a flagged read never matches"
    assert hits_match_reads(read_ids=[read_id]) == [], "nor when matched again"


def test_a_correction_of_a_flagged_read_does_not_match_it(unit, operator, supervisor, stolen_list, ingest):
    """R-READ-5a"""
    camera_report_status(actor=operator, camera=unit, status="out_of_service", reason="Damaged",
                         effective_at=timezone.now() - timedelta(hours=1))
    [read_id] = ingest([("7ABC128", 10)], on=unit)
    read_correct(actor=supervisor, read=Read.objects.get(pk=read_id), corrected_plate="7ABC123",
                 context=correction_context(),
                 reason="Image shows 3, OCR read 8")
    assert Read.objects.get(pk=read_id).plate_current == "7ABC123"
    assert not Hit.objects.exists()


def test_the_pending_catch_up_does_not_match_a_flagged_read(unit, operator, stolen_list, ingest):
    """R-READ-5a"""
    camera_report_status(actor=operator, camera=unit, status="out_of_service", reason="Damaged",
                         effective_at=timezone.now() - timedelta(hours=1))
    [read_id] = ingest([("7ABC123", 10)], on=unit)
    PendingMatch.objects.create(read_id=read_id)
    assert hits_match_pending() == 1
    assert not Hit.objects.exists() and not PendingMatch.objects.exists()


def test_a_late_report_withdraws_the_unconfirmed_hits_and_keeps_decided_ones(unit, operator, stolen_list, ingest):
    """R-READ-5a: reads captured between the damage and its report were matched before anyone knew."""
    ingest([("7ABC123", 30), ("8XYZ789", 20)], on=unit)
    open_hit = Hit.objects.get(plate="7ABC123")
    decided = Hit.objects.get(plate="8XYZ789")
    from apps.hotlists.services.hits import hit_mark_not_actionable

    hit_mark_not_actionable(actor=operator, hit=decided, note="Gone.")
    effective = timezone.now() - timedelta(minutes=45)
    report = camera_report_status(actor=operator, camera=unit, status="out_of_service", reason="Found cracked",
                                  effective_at=effective)
    assert report.reads_flagged == 2
    open_hit.refresh_from_db()
    decided.refresh_from_db()
    assert open_hit.status == HitStatus.NOT_ACTIONABLE and open_hit.dismissed_by == operator
    assert open_hit.dismissal_note == HIT_WITHDRAWN_OUT_OF_SERVICE.format(
        when=f"{timezone.localtime(effective):%Y-%m-%d %H:%M}")
    assert decided.dismissal_note == "Gone.", "a decided hit keeps its own record"
    assert DomainEvent.objects.filter(code="alprportal.hotlists.hit.withdrawn_out_of_service",
                                      target_id=str(open_hit.pk)).count() == 1
    event = DomainEvent.objects.get(code="alprportal.reads.camera.out_of_service")
    assert event.data["hits_withdrawn"] == 1


def test_back_in_service_reads_flagged_meanwhile_are_matched_then(unit, operator, stolen_list, ingest):
    """R-READ-5a: a return to service dated back unflags reads — which were never matched — and matches them."""
    now = timezone.now()
    camera_report_status(actor=operator, camera=unit, status="out_of_service", reason="Looked damaged",
                         effective_at=now - timedelta(hours=2))
    [read_id] = ingest([("7ABC123", 30)], on=unit)
    assert not Hit.objects.exists()
    camera_report_status(actor=operator, camera=unit, status="in_service", reason="Inspected: only dirty",
                         effective_at=now - timedelta(hours=1))
    assert Read.objects.get(pk=read_id).flagged_out_of_service is False
    assert Hit.objects.filter(read_id=read_id).count() == 1


def test_the_out_of_service_alert_says_reads_are_not_matched(unit, operator, supervisor):
    """R-READ-5a: the alert of an out-of-service unit goes to the ALPR Administrator (R-ADM-1) and says its reads are
    not matched."""
    from apps.accounts.services import alpr_administrator_designate

    alpr_administrator_designate(actor=None, agency=unit.agency, person=supervisor, title="ALPR Administrator",
                                 effective_from=timezone.localdate() - timedelta(days=1))
    camera_report_status(actor=operator, camera=unit, status="out_of_service", reason="Cracked lens")
    assert units_out_of_service_notify() >= 1
    alert = Notification.objects.get(recipient=supervisor)
    assert "not matched against the hot lists" in alert.body and "Cracked lens" in alert.body
