"""The sign-on page from the patrol car, the gap report and its review, and the usage report opening on the shift
in progress (R-OPS-1, R-READ-5a)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from apps.accounts.roles import Role
from apps.common.server_time import CLIENT_TIME_REFUSED
from apps.shifts.models import ShiftGapReview, SignOnStatus, UnitSignOn
from tests.shifts.conftest import DAY, DAY_S, NEXT_S, clock, local

pytestmark = pytest.mark.django_db


def test_an_officer_signs_on_and_off_from_the_phone_sized_page(client, officer, unit, hot_list):
    """R-OPS-1"""
    with clock(local(6, 2)):
        client.force_login(officer)  # sessions expire after 30 idle minutes of the (moved) server clock
        page = client.get(reverse("shifts:sign_on")).content.decode()
        assert 'name="viewport"' in page and f'id="sign-on-{unit.pk}"' in page and f"{DAY_S} Day" in page
        response = client.post(reverse("shifts:unit_sign_on", args=[unit.pk]), {"affixed": "on", "undamaged": "on"},
                               follow=True)
    text = response.content.decode()
    assert "signed on for the Day 06–14 shift at 06:02" in text
    assert f"Own list v{hot_list.current_version.number}" in text
    sign_on = UnitSignOn.objects.get()
    assert f'id="sign-off-{unit.pk}"' in text
    with clock(local(13, 55)):
        client.force_login(officer)
        client.post(reverse("shifts:sign_off", args=[sign_on.pk]), {})
    sign_on.refresh_from_db()
    assert sign_on.status == SignOnStatus.SIGNED_OFF and sign_on.signed_off_at == local(13, 55)


def test_the_page_refuses_a_typed_in_time_and_someone_elses_unit(client, officer, unit, make_user):
    """R-OPS-1"""
    client.force_login(officer)
    response = client.post(reverse("shifts:unit_sign_on", args=[unit.pk]),
                           {"affixed": "on", "undamaged": "on", "signed_on_at": "2026-03-10T06:00"}, follow=True)
    assert CLIENT_TIME_REFUSED.format(field="signed_on_at") in response.content.decode()
    assert not UnitSignOn.objects.exists()
    client.force_login(make_user(Role.OPERATOR))
    assert client.post(reverse("shifts:unit_sign_on", args=[unit.pk]),
                       {"affixed": "on", "undamaged": "on"}).status_code == 404


def test_a_failed_inspection_on_the_page_reports_the_unit(client, officer, unit):
    """R-READ-5a"""
    client.force_login(officer)
    response = client.post(reverse("shifts:unit_sign_on", args=[unit.pk]),
                           {"affixed": "on", "inspection_note": "Bracket bent, camera loose"}, follow=True)
    assert "failed inspection" in response.content.decode()
    unit.refresh_from_db()
    assert unit.status == "out_of_service"
    assert "Out of service since" in client.get(reverse("shifts:sign_on")).content.decode()


def test_the_gap_report_opens_on_the_current_shift_and_records_a_review(client, boss, officer, unit):
    """R-OPS-1"""
    with clock(local(3, 0, days=1)):  # 03:00: the night shift of the day before is in progress
        client.force_login(boss)
        page = client.get(reverse("shifts:gaps")).content.decode()
        assert f"{DAY_S} Night 22–06" in page and "current shift" in page
        assert 'data-gap="no_sign_on"' in page and 'id="gap-review-form"' in page
        response = client.post(reverse("shifts:gap_review"), {"day": DAY_S, "shift": "night",
                                                              "note": "Park on leave tonight."}, follow=True)
    assert "Review recorded (1 gaps of 1 units)." in response.content.decode()
    review = ShiftGapReview.objects.get()
    assert (review.reviewed_by, review.reviewed_at, review.shift_date) == (boss, local(3, days=1),
                                                                           DAY)
    with clock(local(3, 5, days=1)):
        client.force_login(boss)
        page = client.get(reverse("shifts:gaps"), {"day": DAY_S, "shift": "night"}).content.decode()
    assert "Park on leave tonight." in page and str(boss) in page


def test_operators_do_not_see_the_gap_report(client, officer):
    """R-OPS-1"""
    client.force_login(officer)
    assert client.get(reverse("shifts:gaps")).status_code == 403
    assert client.post(reverse("shifts:gap_review"), {"day": DAY_S, "shift": "day",
                                                      "note": "x"}).status_code == 403


def test_the_usage_report_opens_on_the_shift_in_progress(client, boss):
    """R-OPS-1: at 03:00 the usage report shows the night shift under way, not an empty day shift to come."""
    with clock(local(3, 0, days=1)):
        client.force_login(boss)
        page = client.get(reverse("hotlists:usage")).content.decode()
    assert f"{DAY_S} 22:00 – {NEXT_S} 06:00" in page
    with clock(local(15, 0, days=1)):
        client.force_login(boss)
        page = client.get(reverse("hotlists:usage")).content.decode()
    assert f"{NEXT_S} 14:00 – {NEXT_S} 22:00" in page


def test_an_operator_sees_the_sign_on_state_on_the_home_page(client, officer, unit):
    """R-OPS-1"""
    client.force_login(officer)
    page = client.get(reverse("home")).content.decode()
    assert "not signed on" in page and reverse("shifts:sign_on") in page


def test_the_gap_report_shows_when_the_units_reader_sent_heartbeats(client, boss, unit):
    """R-OPS-1: the "Reader active" column is the heartbeat evidence; a shift with heartbeats and no sign-on says so."""
    from apps.reads.services.agents import camera_heartbeat_record

    for minute in (0, 10, 20):
        camera_heartbeat_record(camera=unit, payload={"data_type": "heartbeat"}, now=local(22, minute))
    with clock(local(23)):
        client.force_login(boss)
        page = client.get(reverse("shifts:gaps"), {"day": DAY_S, "shift": "night"}).content.decode()
    assert "Reader active" in page and "22:00–22:20" in page
    assert "reader active 22:00–22:20 (heartbeats) without a sign-on" in page
