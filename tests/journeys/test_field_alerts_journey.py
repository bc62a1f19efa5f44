"""Journeys of issue #17 in a real browser (headless Chromium): an operator on a phone-sized screen gets a new hit with
a banner, a tone and a desktop notification, on pages that never scroll sideways at 390 px or 1024×768 (R-AUD-1a:
the hits shown are logged under the operator's purpose and case); a supervisor's home alert leaves the page once the
hold it asked about is approved (R-RET-3); and a custodian issues an oversight report only after a dialog says what
cannot be undone (R-REP-1)."""

from __future__ import annotations

import time
from datetime import UTC, timedelta

import pytest
from django.utils import timezone

from apps.accounts.roles import Role
from apps.audit.models import AccessLog
from apps.hotlists.matching import matcher_cache
from apps.hotlists.models import Hit
from apps.hotlists.selectors import HIT_VIEW_ACTION, agreement_cache
from apps.hotlists.services.list_imports import hot_list_import_apply, hot_list_import_preview
from apps.hotlists.services.lists import hot_list_create
from apps.notifications.models import Notification
from apps.reads.services.tokens import camera_token_issue
from tests.browser import requires_chromium, wait_for
from tests.factories import DeployingAgencyFactory
from tests.holds.helpers import make_camera, make_read
from tests.hotlists.conftest import crop_b64, csv_of, soon

pytestmark = [pytest.mark.browser, requires_chromium, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _fresh_hot_list_caches():
    matcher_cache.clear()
    agreement_cache.clear()
    yield
    matcher_cache.clear()
    agreement_cache.clear()


def _no_sideways_scrolling(browser) -> tuple[int, int]:
    return browser.execute_script("return [document.documentElement.scrollWidth, window.innerWidth];")


def _state_purpose(browser, purpose: str, case_number: str) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    wait_for(lambda: browser.find_elements(By.CSS_SELECTOR, "form.access-context"), what="the purpose form")
    Select(browser.find_element(By.NAME, "purpose")).select_by_value(purpose)
    browser.find_element(By.NAME, "case_number").send_keys(case_number)
    browser.find_element(By.CSS_SELECTOR, "form.access-context [type=submit]").click()


def test_a_new_hit_arrives_with_its_notification_on_a_phone(live_server, browser, log_in, make_user):
    """R-AUD-1a"""
    from rest_framework.test import APIClient
    from selenium.webdriver.common.by import By

    agency = DeployingAgencyFactory()
    boss = make_user(Role.SUPERVISOR, agency=agency)
    officer = make_user(Role.OPERATOR, agency=agency, supervisor=boss, first_name="Owen", last_name="Park")
    camera = make_camera(agency, name="Patrol unit 12")
    hot_list = hot_list_create(actor=boss, name="Sheriff's hot list", source="own", owner=boss)
    staged = hot_list_import_preview(actor=boss, hot_list=hot_list, content=csv_of(
        f"7ABC123,CA,stolen vehicle,1,26-004411,{soon()},Stolen from a dealership").encode())
    hot_list_import_apply(actor=boss, hot_list_import=staged)
    _credential, token = camera_token_issue(actor=None, camera=camera)

    # The officer's phone: the browser lets this site show notifications (as if they had clicked "Allow").
    browser.set_window_size(390, 844)
    log_in(officer, "/hotlists/hits/")
    browser.execute_cdp_cmd("Browser.grantPermissions", {"origin": live_server.url, "permissions": ["notifications"]})
    _state_purpose(browser, "wanted_persons", "SHIFT-26-1205-A")
    wait_for(lambda: browser.find_elements(By.ID, "hits"), what="the hits page")

    # Navigation folds behind a real button that says whether it is open.
    toggle = browser.find_element(By.ID, "nav-toggle")
    nav = browser.find_element(By.ID, "mainnav")
    assert toggle.is_displayed() and toggle.get_attribute("aria-expanded") == "false" and not nav.is_displayed()
    toggle.click()
    assert toggle.get_attribute("aria-expanded") == "true" and nav.is_displayed()
    assert "Hits" in nav.text
    toggle.click()
    assert not nav.is_displayed()

    # Alerts are turned on with a click (sound needs a gesture; the permission is asked then, never on load).
    browser.find_element(By.ID, "alerts-enable").click()
    wait_for(lambda: "desktop alerts on" in browser.find_element(By.ID, "alerts-state").text,
             what="the alerts to be on")
    assert "Sound on" in browser.find_element(By.ID, "alerts-state").text
    assert browser.find_element(By.ID, "hit-alert-banner").is_displayed() is False

    # The patrol unit's camera reads the plate; the hit arrives on the open page.
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Camera {token}")
    response = client.post("/api/v1/ingest/reads/", {"reads": [
        {"read_id": "p-1", "plate": "7ABC123", "region": "CA", "plate_crop": crop_b64(),
         "captured_at": (timezone.now() - timedelta(seconds=3)).astimezone(UTC).isoformat()}]}, format="json")
    assert response.status_code == 200 and response.json()["stored"] == 1
    hit = Hit.objects.get()
    banner = wait_for(lambda: browser.find_element(By.ID, "hit-alert-banner").is_displayed()
                      and browser.find_element(By.ID, "hit-alert-banner"), what="the new-hit banner")
    assert banner.get_attribute("role") == "alert"
    assert "New hit, priority 1" in banner.text and "7ABC123" in banner.text and "Patrol unit 12" in banner.text
    assert banner.find_element(By.TAG_NAME, "a").get_attribute("href").endswith(f"/hotlists/hits/{hit.pk}/")
    hits = browser.find_element(By.ID, "hits")
    assert hits.get_attribute("data-notified").split() == [str(hit.pk)]  # the desktop notification was shown
    assert int(hits.get_attribute("data-tones")) == 1  # and the tone played once
    card = browser.find_element(By.CSS_SELECTOR, f'article.hit[data-id="{hit.pk}"]')
    assert "hit-p1" in card.get_attribute("class")
    # Times in the agency's 24-hour clock, like the rest of the portal.
    local = timezone.localtime(hit.captured_at).strftime("%Y-%m-%d %H:%M:%S")
    assert local in card.text
    status_line = browser.find_element(By.ID, "live-status").text
    assert status_line.startswith("Updated ") and "AM" not in status_line and "PM" not in status_line

    # No sideways scrolling on the phone, nor on a 1024×768 laptop; then the hit's review page the same.
    scroll, inner = _no_sideways_scrolling(browser)
    assert scroll <= inner, f"hits page scrolls sideways at 390 px ({scroll} > {inner})"
    browser.set_window_size(1024, 768)
    scroll, inner = _no_sideways_scrolling(browser)
    assert scroll <= inner, f"hits page scrolls sideways at 1024 px ({scroll} > {inner})"
    assert not browser.find_element(By.ID, "nav-toggle").is_displayed()
    browser.set_window_size(390, 844)
    banner.find_element(By.TAG_NAME, "a").click()
    wait_for(lambda: browser.find_elements(By.ID, "hit-status"), what="the hit's review page")
    assert "7ABC123" in browser.find_element(By.TAG_NAME, "h1").text
    for width, height in ((390, 844), (1024, 768)):
        browser.set_window_size(width, height)
        scroll, inner = _no_sideways_scrolling(browser)
        assert scroll <= inner, f"hit review scrolls sideways at {width} px ({scroll} > {inner})"

    # Every showing of the hit (the poll that brought it and the review page) is logged under the stated purpose.
    shown = AccessLog.objects.filter(action=HIT_VIEW_ACTION, user=officer, data_elements__hits__contains=[hit.pk])
    assert shown.count() >= 2
    assert {(row.purpose, row.case_number) for row in shown} == {("wanted_persons", "SHIFT-26-1205-A")}


def test_a_home_alert_clears_once_the_hold_is_approved(live_server, browser, log_in, make_user):
    """R-RET-3"""
    from selenium.webdriver.common.by import By

    from apps.holds.services.request import hold_request

    agency = DeployingAgencyFactory()
    boss = make_user(Role.SUPERVISOR, agency=agency, first_name="Sam", last_name="Sergeant")
    detective = make_user(Role.INVESTIGATOR, agency=agency, supervisor=boss, first_name="Dana", last_name="Detective")
    camera = make_camera(agency)
    reads = [make_read(camera, plate="7ABC123", days_ago=d) for d in (1, 2)]
    hold = hold_request(actor=detective, case_number="24-004417", reason="Getaway car in the robbery.",
                        ground="evidence", contact="(555) 010-4417", scope_kind="reads",
                        read_ids=[read.pk for read in reads])
    alert = Notification.objects.get(recipient=boss, dedupe_key=f"holds.{hold.pk}.requested")

    # The supervisor's home page: the alert, with the date it was asked.
    browser.set_window_size(1024, 768)
    log_in(boss, "/")
    alerts = browser.find_element(By.ID, "home-alerts")
    item = alerts.find_element(By.CSS_SELECTOR, f'li[data-alert="holds.{hold.pk}.requested"]')
    assert f"Evidence hold {hold.reference} waits for your approval" in item.text
    assert timezone.localtime(alert.created_at).strftime("%Y-%m-%d %H:%M") in item.text
    item.find_element(By.LINK_TEXT, "Open").click()

    # The hold page shows its reads (logged), and the supervisor approves.
    wait_for(lambda: browser.find_elements(By.ID, "approve"), what="the hold page")
    assert browser.find_element(By.ID, "held-reads").text.count("7ABC123") == 2
    browser.find_element(By.ID, "approve").click()
    message = wait_for(lambda: browser.find_element(By.CSS_SELECTOR, "ul.messages").text, what="the approval")
    assert message.startswith(f"{hold.reference} approved")

    # Home again: the alert is gone by itself (nobody dismissed it), and the hold waits for nobody here either.
    browser.get(f"{live_server.url}/")
    body = browser.find_element(By.TAG_NAME, "body").text
    assert f"{hold.reference} waits for your approval" not in body
    assert not browser.find_elements(By.CSS_SELECTOR, f'li[data-alert="holds.{hold.pk}.requested"]')
    alert.refresh_from_db()
    assert alert.read_at is not None
    shown = AccessLog.objects.filter(user=boss, case_number="24-004417")
    assert shown.exists() and all(row.purpose == hold.purpose for row in shown)


def test_a_report_is_issued_only_after_its_confirmation(live_server, browser, log_in, make_user):
    """R-REP-1"""
    from datetime import date

    from selenium.webdriver.common.by import By

    from apps.reports.choices import ReportStatus
    from tests.reports.support import draft_and_render

    custodian = make_user(Role.CUSTODIAN, first_name="Carmen", last_name="Ortiz")
    report = draft_and_render(actor=custodian, start=date(2026, 1, 1), today=date(2026, 7, 15))
    assert report.status == ReportStatus.DRAFT

    browser.set_window_size(1024, 768)
    log_in(custodian, f"/reports/{report.pk}/")
    form = wait_for(lambda: browser.find_element(By.ID, "issue-form"), what="the issue form")
    form.find_element(By.NAME, "confirm").click()
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()

    # The dialog says what cannot be undone; "Cancel" changes nothing.
    dialog = wait_for(lambda: browser.find_element(By.CSS_SELECTOR, "dialog#confirm-dialog[open]"), what="the dialog")
    assert f"Issue {report.reference}?" in dialog.text and "cannot be undone" in dialog.text
    assert "frozen" in dialog.text
    dialog.find_element(By.ID, "confirm-dialog-cancel").click()
    time.sleep(0.5)
    report.refresh_from_db()
    assert report.status == ReportStatus.DRAFT and not browser.find_elements(By.CSS_SELECTOR, "dialog[open]")

    # Confirmed: issued (the report shows counts only, no read data: nothing for the access log here).
    form = browser.find_element(By.ID, "issue-form")
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    dialog = wait_for(lambda: browser.find_element(By.CSS_SELECTOR, "dialog#confirm-dialog[open]"), what="the dialog")
    dialog.find_element(By.ID, "confirm-dialog-ok").click()
    wait_for(lambda: browser.find_elements(By.ID, "pending-refresh"), what="the issued report's page")
    assert "issued" in browser.find_element(By.CSS_SELECTOR, "dl.facts").text
    # The final PDFs render in the background (no worker runs here): the page says so and refreshes itself.
    assert "refreshes itself" in browser.find_element(By.ID, "pending-refresh").text
    assert browser.find_elements(By.CSS_SELECTOR, 'meta[http-equiv="refresh"]')
    report.refresh_from_db()
    assert report.status == ReportStatus.ISSUED and report.issued_by == custodian
    assert report.issued_at is not None and report.jobs.filter(status="queued").exists()
    assert not browser.find_elements(By.ID, "issue-form")


def test_the_plate_search_fits_a_phone_and_a_laptop(live_server, browser, log_in, make_user):
    """R-READ-3"""
    from selenium.webdriver.common.by import By

    agency = DeployingAgencyFactory()
    boss = make_user(Role.SUPERVISOR, agency=agency)
    detective = make_user(Role.INVESTIGATOR, agency=agency, supervisor=boss)
    log_in(detective, "/reads/")
    for width, height in ((390, 844), (1024, 768)):
        browser.set_window_size(width, height)
        browser.get(f"{live_server.url}/reads/")
        wait_for(lambda: browser.find_elements(By.CSS_SELECTOR, "form.search-form"), what="the search form")
        scroll, inner = _no_sideways_scrolling(browser)
        assert scroll <= inner, f"the plate search scrolls sideways at {width} px ({scroll} > {inner})"
        toggle = browser.find_element(By.ID, "nav-toggle")
        assert toggle.is_displayed() == (width < 800)
        link = browser.find_element(By.CSS_SELECTOR, '#mainnav a[href="/reads/"]')
        assert link.get_attribute("textContent") == "Plate search" and link.is_displayed() == (width >= 800)
