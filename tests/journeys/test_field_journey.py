"""Journey on a phone-sized screen and a desk: the officer signs the patrol unit on from the car, with the
start-of-shift inspection, and sees the hot lists it loaded; the supervisor opens the gap report on that shift,
sees the unit signed on and the other officer's unit without a sign-on, and records the review (R-OPS-1)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.accounts.roles import Role
from apps.hotlists.services.lists import hot_list_create, hot_list_entry_add
from apps.reads.choices import CameraKind
from apps.reads.services.cameras import camera_create
from apps.shifts.models import ShiftGapReview, UnitSignOn
from tests.browser import requires_chromium, wait_for
from tests.factories import DeployingAgencyFactory

pytestmark = [pytest.mark.browser, requires_chromium, pytest.mark.django_db(transaction=True)]


def test_the_officer_signs_on_and_the_supervisor_reviews_the_gaps(live_server, browser, log_in, make_user,
                                                                   settings):
    """R-OPS-1"""
    from selenium.webdriver.common.by import By

    # The sign-on is for the shift in progress whatever the time of day (no lead into a shift not started yet).
    settings.PORTAL = {**settings.PORTAL, "SHIFT_SIGN_ON_LEAD_MINUTES": 0}

    agency = DeployingAgencyFactory()
    boss = make_user(Role.SUPERVISOR, agency=agency, first_name="Sofia", last_name="Reyes")
    owen = make_user(Role.OPERATOR, agency=agency, supervisor=boss, first_name="Owen", last_name="Park")
    lee = make_user(Role.OPERATOR, agency=agency, supervisor=boss, first_name="Lee", last_name="Kim")
    commissioned = timezone.now() - timedelta(days=30)
    unit = camera_create(actor=None, name="Patrol unit 12", kind=CameraKind.MOBILE, agency=agency,
                         assigned_officer=owen, commissioned_at=commissioned)
    camera_create(actor=None, name="Patrol unit 14", kind=CameraKind.MOBILE, agency=agency, assigned_officer=lee,
                  commissioned_at=commissioned)
    hot_list = hot_list_create(actor=boss, name="Sheriff's hot list", source="own", owner=boss,
                               default_entry_days=30)
    hot_list_entry_add(actor=boss, hot_list=hot_list, plate="7ABC123", reason="stolen_vehicle", justification="x")

    # The officer, on a phone in the patrol car: inspection boxes, then Sign on.
    browser.set_window_size(390, 844)
    log_in(owen, "/shifts/")
    form = browser.find_element(By.ID, f"sign-on-{unit.pk}")
    form.find_element(By.NAME, "affixed").click()
    form.find_element(By.NAME, "undamaged").click()
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    message = wait_for(lambda: browser.find_element(By.CSS_SELECTOR, "ul.messages").text, what="the sign-on message")
    assert "Patrol unit 12 signed on" in message and "Sheriff's hot list v2" in message
    assert browser.find_element(By.ID, f"sign-off-{unit.pk}")
    sign_on = UnitSignOn.objects.get()
    assert sign_on.officer == owen and list(sign_on.hot_list_versions.values_list("number", flat=True)) == [2]

    # The supervisor, at a desk: the gap report of that shift, then the review.
    browser.set_window_size(1366, 1000)
    log_in(boss, f"/shifts/gaps/?day={sign_on.shift_date.isoformat()}&shift={sign_on.shift}")
    rows = {row.get_attribute("data-unit"): row.get_attribute("data-gap")
            for row in browser.find_elements(By.CSS_SELECTOR, "#gaps tbody tr")}
    assert rows == {"Patrol unit 12": "", "Patrol unit 14": "no_sign_on"}
    browser.find_element(By.CSS_SELECTOR, "#gap-review-form textarea[name=note]").send_keys(
        "Kim on a training day; unit 14 parked.")
    browser.find_element(By.CSS_SELECTOR, "#gap-review-form button[type=submit]").click()
    message = wait_for(lambda: browser.find_element(By.CSS_SELECTOR, "ul.messages").text, what="the review message")
    assert message == "Review recorded (1 gaps of 2 units)."
    assert "Kim on a training day" in browser.find_element(By.ID, "gap-reviews").text
    review = ShiftGapReview.objects.get()
    assert (review.reviewed_by, review.gap_count) == (boss, 1)
