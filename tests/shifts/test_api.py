"""The shifts API: sign on from the patrol car (with the inspection), sign off, the gap report and its review;
client-sent times refused (R-OPS-1, R-READ-5a)."""

from __future__ import annotations

import pytest

from apps.common.server_time import CLIENT_TIME_REFUSED
from apps.shifts.models import UnitSignOn
from tests.shifts.conftest import DAY_S, clock, local

pytestmark = pytest.mark.django_db


def test_sign_on_and_off_through_the_api(api_client, officer, unit, hot_list):
    """R-OPS-1"""
    api_client.force_authenticate(officer)
    with clock(local(21, 40)):
        units = api_client.get("/api/v1/shifts/units/").json()
        assert (units["shift"], units["units"][0]["sign_on"]) == ("night", None)
        response = api_client.post("/api/v1/shifts/sign-on/", {"unit": unit.pk, "affixed": True, "undamaged": True},
                                   format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["shift"], body["shift_date"], body["status"]) == ("night", DAY_S, "signed_on")
    assert body["hot_lists"] == [{"hot_list": "Own list", "version": hot_list.current_version.number}]
    with clock(local(1, 0, days=1)):
        response = api_client.post(f"/api/v1/shifts/sign-ons/{body['id']}/sign-off/", {}, format="json")
        assert response.status_code == 400 and "06:00" in response.json()["error"]["message"]
        response = api_client.post(f"/api/v1/shifts/sign-ons/{body['id']}/sign-off/",
                                   {"note": "Called to a collision; unit parked"}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "signed_off"


def test_the_api_refuses_client_times_and_other_units(api_client, officer, unit, make_user):
    """R-OPS-1"""
    from apps.accounts.roles import Role

    api_client.force_authenticate(officer)
    response = api_client.post("/api/v1/shifts/sign-on/", {"unit": unit.pk, "affixed": True, "undamaged": True,
                                                           "signed_on_at": "2026-03-10T06:00:00Z"}, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["message"] == CLIENT_TIME_REFUSED.format(field="signed_on_at")
    api_client.force_authenticate(make_user(Role.OPERATOR))
    response = api_client.post("/api/v1/shifts/sign-on/", {"unit": unit.pk, "affixed": True, "undamaged": True},
                               format="json")
    assert response.status_code == 404 and not UnitSignOn.objects.exists()


def test_a_failed_inspection_through_the_api(api_client, officer, unit):
    """R-READ-5a"""
    api_client.force_authenticate(officer)
    response = api_client.post("/api/v1/shifts/sign-on/", {"unit": unit.pk, "affixed": False, "undamaged": True,
                                                           "inspection_note": "Mount broke"}, format="json")
    assert response.status_code == 201 and response.json()["status"] == "failed_inspection"
    unit.refresh_from_db()
    assert unit.status == "out_of_service"


def test_the_gap_report_and_its_review_through_the_api(api_client, officer, boss, unit):
    """R-OPS-1"""
    api_client.force_authenticate(officer)
    assert api_client.get("/api/v1/shifts/gaps/").status_code == 403
    assert api_client.post("/api/v1/shifts/gaps/reviews/", {"day": DAY_S, "shift": "day", "note": "x"},
                           format="json").status_code == 403
    api_client.force_authenticate(boss)
    with clock(local(10, 0)):
        report = api_client.get("/api/v1/shifts/gaps/").json()
        assert (report["shift_date"], report["shift"], report["gap_count"]) == (DAY_S, "day", 1)
        assert report["units"][0]["gap"] == "no_sign_on"
        response = api_client.post("/api/v1/shifts/gaps/reviews/",
                                   {"day": DAY_S, "shift": "day", "note": "Radioed Park.",
                                    "reviewed_at": "2026-03-09T10:00:00Z"}, format="json")
        assert response.status_code == 400, "the review time is the server's"
        response = api_client.post("/api/v1/shifts/gaps/reviews/",
                                   {"day": DAY_S, "shift": "day", "note": "Radioed Park."}, format="json")
    assert response.status_code == 201
    assert (response.json()["reviewed_by"], response.json()["gap_count"]) == (boss.username, 1)
    assert response.json()["reviewed_at"].startswith(DAY_S)
