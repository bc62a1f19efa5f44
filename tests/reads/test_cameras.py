"""Camera status (R-READ-5): a damaged unit goes out of service and its reads are flagged from that moment."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from apps.audit.models import DomainEvent
from apps.common.errors import ApplicationError, PermissionDeniedError
from apps.reads.choices import CameraKind, CameraStatus
from apps.reads.models import CameraCredential, Read
from apps.reads.services.cameras import STATUS_UNCHANGED, camera_create, camera_report_status
from apps.reads.services.ingest import read_batch_ingest
from tests.reads.conftest import iso


@pytest.fixture
def patrol_unit(agency, operator):
    return camera_create(actor=None, name="Patrol unit 12", kind=CameraKind.MOBILE, agency=agency,
                         assigned_officer=operator, commissioned_at=timezone.now() - timedelta(days=30))


def _ingest(camera, minutes_ago_list):
    now = timezone.now()
    items = [{"plate": f"7ABC{m:03d}", "captured_at": iso(now - timedelta(minutes=m))} for m in minutes_ago_list]
    return {r.id: m for r, m in zip(read_batch_ingest(camera=camera, items=items).results, minutes_ago_list,
                                       strict=True)}


def test_damaged_unit_flags_reads_from_that_moment(operator, patrol_unit):
    before = _ingest(patrol_unit, [180, 90, 30])  # the damage happened 60 minutes ago, reported now
    report = camera_report_status(actor=operator, camera=patrol_unit, status=CameraStatus.OUT_OF_SERVICE,
                                  reason="Windshield camera cracked", effective_at=timezone.now() - timedelta(hours=1))
    patrol_unit.refresh_from_db()
    assert patrol_unit.status == CameraStatus.OUT_OF_SERVICE
    assert report.reads_flagged == 1
    flagged = dict(Read.objects.filter(pk__in=before).values_list("pk", "flagged_out_of_service"))
    assert [flagged[pk] for pk, minutes in sorted(before.items(), key=lambda kv: -kv[1])] == [False, False, True]
    # Reads that arrive while it is out of service are flagged at ingest, also late ones from the damaged period.
    during = _ingest(patrol_unit, [10, 45, 120])
    flags = {m: Read.objects.get(pk=pk).flagged_out_of_service for pk, m in during.items()}
    assert flags == {10: True, 45: True, 120: False}
    event = DomainEvent.objects.get(code="alprportal.reads.camera.out_of_service")
    assert event.data["reason"] == "Windshield camera cracked" and event.actor == operator


def test_back_in_service_stops_flagging(operator, patrol_unit):
    camera_report_status(actor=operator, camera=patrol_unit, status=CameraStatus.OUT_OF_SERVICE, reason="cracked",
                         effective_at=timezone.now() - timedelta(hours=3))
    camera_report_status(actor=operator, camera=patrol_unit, status=CameraStatus.IN_SERVICE, reason="replaced",
                         effective_at=timezone.now() - timedelta(hours=1))
    flags = {m: Read.objects.get(pk=pk).flagged_out_of_service for pk, m in _ingest(patrol_unit, [30, 120]).items()}
    assert flags == {30: False, 120: True}
    assert [r.status for r in patrol_unit.status_reports.order_by("effective_at")] == ["out_of_service", "in_service"]


def test_illegal_moves_are_refused(operator, supervisor, patrol_unit, camera):
    with pytest.raises(ApplicationError) as exc:
        camera_report_status(actor=operator, camera=patrol_unit, status=CameraStatus.IN_SERVICE, reason="x")
    assert exc.value.message == STATUS_UNCHANGED.format(camera=patrol_unit, status="in service")
    with pytest.raises(PermissionDeniedError):  # an operator reports only their own unit
        camera_report_status(actor=operator, camera=camera, status=CameraStatus.OUT_OF_SERVICE, reason="x")
    with pytest.raises(ApplicationError):
        camera_report_status(actor=operator, camera=patrol_unit, status=CameraStatus.OUT_OF_SERVICE, reason="x",
                             effective_at=timezone.now() + timedelta(hours=1))
    camera_report_status(actor=supervisor, camera=camera, status=CameraStatus.OUT_OF_SERVICE, reason="pole down")


def test_an_operator_cannot_date_a_report_back_past_a_shift(operator, supervisor, patrol_unit, api_client):
    """R-READ-5: a report dated a year back flagged every read the unit ever took and withdrew its open hits. An
    operator may date it 12 hours back (a patrol shift), through the service and the API alike; a supervisor further."""
    old = _ingest(patrol_unit, [60 * 24 * 30, 60 * 20])  # a month ago, 20 hours ago
    for days in (365, 1):
        with pytest.raises(ApplicationError) as exc:
            camera_report_status(actor=operator, camera=patrol_unit, status=CameraStatus.OUT_OF_SERVICE,
                                 reason="test", effective_at=timezone.now() - timedelta(days=days))
        assert exc.value.code == "status_too_far_back" and "ask your supervisor" in exc.value.message
    api_client.force_authenticate(operator)
    response = api_client.post(f"/api/v1/cameras/{patrol_unit.pk}/status-reports/",
                               {"status": "out_of_service", "reason": "test", "effective_at": iso(
                                   timezone.now() - timedelta(days=400))}, format="json")
    assert response.status_code == 400 and "12 hours back" in response.content.decode()
    patrol_unit.refresh_from_db()
    assert patrol_unit.status == CameraStatus.IN_SERVICE and not patrol_unit.status_reports.exists()
    assert not Read.objects.filter(pk__in=old, flagged_out_of_service=True).exists()
    camera_report_status(actor=operator, camera=patrol_unit, status=CameraStatus.OUT_OF_SERVICE, reason="cracked",
                         effective_at=timezone.now() - timedelta(hours=11))
    camera_report_status(actor=operator, camera=patrol_unit, status=CameraStatus.IN_SERVICE, reason="replaced",
                         effective_at=timezone.now() - timedelta(hours=10))
    patrol_unit.status_reports.all().delete()  # a unit with no history, for the supervisor's report below
    report = camera_report_status(actor=supervisor, camera=patrol_unit, status=CameraStatus.OUT_OF_SERVICE,
                                  reason="footage shows it cracked", effective_at=timezone.now() - timedelta(days=2))
    assert report.reads_flagged == 1  # the read of 20 hours ago, not the month-old one


def test_operator_reports_own_unit_through_the_page(client, operator, patrol_unit, camera):
    client.force_login(operator)
    page = client.get("/reads/cameras/")
    assert page.status_code == 200 and "Patrol unit 12" in page.content.decode()
    assert "Harbor Blvd NB" not in page.content.decode()
    response = client.post(f"/reads/cameras/{patrol_unit.pk}/status/",
                           {"status": "out_of_service", "reason": "Camera knocked loose"})
    assert response.status_code == 302
    patrol_unit.refresh_from_db()
    assert patrol_unit.status == CameraStatus.OUT_OF_SERVICE
    assert client.post(f"/reads/cameras/{camera.pk}/status/",
                       {"status": "out_of_service", "reason": "x"}).status_code == 404


def test_status_report_api(api_client, operator, patrol_unit):
    api_client.force_authenticate(operator)
    response = api_client.post(f"/api/v1/cameras/{patrol_unit.pk}/status-reports/",
                               {"status": "out_of_service", "reason": "Lens cracked"}, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["previous_status"] == "in_service"


def test_camera_api_is_for_administrators(api_client, sysadmin, investigator):
    api_client.force_authenticate(investigator)
    assert api_client.get("/api/v1/cameras/").status_code == 403
    api_client.force_authenticate(sysadmin)
    response = api_client.post("/api/v1/cameras/", {"name": "Beach Blvd", "kind": "fixed", "latitude": 33.7,
                                                    "longitude": -117.9}, format="json")
    assert response.status_code == 201, response.content
    camera_id = response.json()["id"]
    response = api_client.patch(f"/api/v1/cameras/{camera_id}/", {"location_description": "SB lanes"}, format="json")
    assert response.status_code == 200 and response.json()["location_description"] == "SB lanes"
    response = api_client.post("/api/v1/cameras/", {"name": "Bad", "kind": "fixed", "assigned_officer":
                                                    investigator.username}, format="json")
    assert response.status_code == 400 and response.json()["error"]["code"] == "officer_only_for_mobile"


@pytest.mark.parametrize("commissioned_at, code, message", [
    ("1036-05-01T00:00:00Z", "commissioned_too_early",
     "A unit cannot have been commissioned before 2000-01-01; check the date."),
    ("2999-01-01T00:00:00Z", "commissioned_too_late",
     "A unit cannot be commissioned more than a year from now; check the date."),
])
def test_an_impossible_commissioning_date_is_refused(api_client, sysadmin, commissioned_at, code, message):
    """Found by the API fuzzer: a unit "commissioned" in 1036 would accept reads claiming any old capture time."""
    from apps.reads.models import Camera

    api_client.force_authenticate(sysadmin)
    before = Camera.objects.count()
    response = api_client.post("/api/v1/cameras/", {"name": "Typo", "kind": "fixed",
                                                    "commissioned_at": commissioned_at}, format="json")
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert (error["code"], error["message"]) == (code, message)
    assert Camera.objects.count() == before


def test_token_command_issues_and_rotates(camera, capsys):
    call_command("camera_token", str(camera.pk))
    first = capsys.readouterr().out.strip().splitlines()[-1]
    call_command("camera_token", camera.name)
    second = capsys.readouterr().out.strip().splitlines()[-1]
    assert first.startswith("alprcam_") and second.startswith("alprcam_") and first != second
    assert CameraCredential.objects.filter(camera=camera, revoked_at__isnull=True).count() == 1
    assert CameraCredential.objects.filter(camera=camera).count() == 2
