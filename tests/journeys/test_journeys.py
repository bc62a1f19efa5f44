"""Journeys through the pages in a real browser (headless Chromium, Selenium, the live server), each asserting what
the person sees: a supervisor approves the evidence hold an investigator requested (R-RET-3), the Inspector General
downloads the unredacted report PDF (R-ACC-1, R-REP-1), an investigator searches reads with a purpose and case
number, which is logged before the results are shown (R-READ-3, R-AUD-1), and an investigator's area search needs a
justification that a supervisor then reviews (R-PURP-2)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from apps.accounts.roles import Role
from apps.audit.models import AccessLog
from apps.holds.choices import HoldStatus
from apps.holds.models import EvidenceHold
from tests.browser import requires_chromium, wait_for
from tests.factories import DeployingAgencyFactory
from tests.holds.helpers import make_camera, make_read

pytestmark = [pytest.mark.browser, requires_chromium, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def agency():
    return DeployingAgencyFactory()


@pytest.fixture
def camera(agency):
    return make_camera(agency)


@pytest.fixture
def boss(make_user, agency):
    return make_user(Role.SUPERVISOR, agency=agency, first_name="Sam", last_name="Sergeant")


@pytest.fixture
def detective(make_user, agency, boss):
    return make_user(Role.INVESTIGATOR, agency=agency, supervisor=boss, first_name="Dana", last_name="Detective")


def test_the_supervisor_approves_the_hold_the_investigator_requested(live_server, browser, log_in, camera,
                                                                      detective, boss, make_user, agency):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    reads = [make_read(camera, plate="7ABC123", days_ago=d) for d in (1, 2)]
    custodian = make_user(Role.CUSTODIAN, agency=agency, first_name="Carmen", last_name="Ortiz", is_staff=True)

    # The investigator writes the request on the holds pages: selected reads, evidence ground.
    log_in(detective, "/holds/new/")
    browser.find_element(By.NAME, "case_number").send_keys("24-004417")
    Select(browser.find_element(By.NAME, "ground")).select_by_value("evidence")
    browser.find_element(By.NAME, "reason").send_keys("Getaway car in the Harbor Blvd robbery.")
    browser.find_element(By.NAME, "contact").send_keys("(555) 010-4417")
    browser.find_element(By.CSS_SELECTOR, "input[name=scope_kind][value=reads]").click()
    browser.find_element(By.NAME, "read_ids").send_keys(", ".join(str(read.pk) for read in reads))
    browser.find_element(By.CSS_SELECTOR, "form.hold-form [type=submit]").click()
    status = wait_for(lambda: browser.find_elements(By.ID, "hold-status"), what="the hold page")[0]
    hold = EvidenceHold.objects.get()
    assert status.text == HoldStatus.PENDING.label and hold.status == HoldStatus.PENDING
    assert "Waiting for the supervisor" in browser.page_source and not browser.find_elements(By.ID, "approve")
    assert hold.requested_by == detective and hold.read_count == 2

    # The supervisor sees it waiting on the home page, opens it and approves.
    log_in(boss, "/")
    assert hold.reference in browser.find_element(By.TAG_NAME, "body").text
    browser.get(f"{live_server.url}/holds/{hold.pk}/")
    decide = browser.find_element(By.ID, "decide").text
    assert "Dana Detective" in decide or detective.username in decide
    browser.find_element(By.ID, "approve-note").send_keys("Approved for the robbery case.")
    browser.find_element(By.ID, "approve").click()
    message = wait_for(lambda: browser.find_element(By.CSS_SELECTOR, "ul.messages").text, what="the approval message")
    assert message.startswith(f"{hold.reference} approved")
    assert browser.find_element(By.ID, "hold-status").text == HoldStatus.VERIFYING.label
    assert not browser.find_elements(By.ID, "approve")
    held = browser.find_element(By.ID, "held-reads").text
    assert held.count("7ABC123") == 2

    # R-RET-3a: the custodian of records sees it waiting for verification, records the booking number, verifies.
    log_in(custodian, "/")
    assert hold.reference in browser.find_element(By.TAG_NAME, "body").text
    browser.get(f"{live_server.url}/holds/{hold.pk}/")
    browser.find_element(By.ID, "verify-booking").send_keys("EV-24-004417-01")
    browser.find_element(By.ID, "verify-hold").click()
    message = wait_for(lambda: browser.find_element(By.CSS_SELECTOR, "ul.messages").text, what="the verification")
    assert message.startswith(f"{hold.reference} verified")
    assert browser.find_element(By.ID, "hold-status").text == HoldStatus.ACTIVE.label
    assert "EV-24-004417-01" in browser.find_element(By.ID, "hold-booking").text
    hold.refresh_from_db()
    assert hold.status == HoldStatus.ACTIVE and hold.decided_by == boss and hold.verified_by == custodian


def test_staff_enter_a_paper_request_and_a_different_custodian_authorizes_it(live_server, browser, log_in, agency,
                                                                              make_user, tmp_path):
    """R-SHR-9: records staff enter a request that arrived on paper, with the scanned letter; they cannot authorize
    it; another custodian of records does, in the admin review."""
    from django.utils import timezone
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    from apps.disclosures.choices import DisclosureStatus
    from apps.disclosures.models import DisclosureRequest
    from tests.agreements.helpers import active_agreement, pdf_bytes
    from tests.factories import AgencyFactory

    clerk = make_user(Role.CUSTODIAN, agency=agency, first_name="Carmen", last_name="Ortiz", is_staff=True)
    second = make_user(Role.CUSTODIAN, agency=agency, first_name="Chris", last_name="Lee", is_staff=True,
                       job_title="Deputy Custodian of Records")
    partner_agency = AgencyFactory(name="Los Alamitos Police Department", ori="CA0194400")
    active_agreement(actor=make_user(Role.SYSADMIN, agency=agency), agency=partner_agency)
    letter = tmp_path / "letter-from-los-alamitos.pdf"
    letter.write_bytes(pdf_bytes())
    now = timezone.localtime()

    log_in(clerk, "/")
    browser.find_element(By.ID, "enter-written-request").click()
    Select(browser.find_element(By.NAME, "agency")).select_by_visible_text("Los Alamitos Police Department")
    browser.find_element(By.CSS_SELECTOR, "input[name=received_via][value=paper]").click()
    browser.find_element(By.NAME, "document").send_keys(str(letter))
    browser.find_element(By.NAME, "requesting_person_name").send_keys("Pat Morgan")
    Select(browser.find_element(By.NAME, "purpose")).select_by_value("prosecution")
    browser.find_element(By.NAME, "case_number").send_keys("LA-2026-0301")
    browser.find_element(By.NAME, "legal_basis").send_keys("Penal Code § 459 investigation.")
    browser.find_element(By.NAME, "plates").send_keys("7ABC123")
    for name, moment in (("time_from", now - timedelta(days=5)), ("time_to", now)):
        browser.execute_script("arguments[0].value = arguments[1];", browser.find_element(By.NAME, name),
                               moment.strftime("%Y-%m-%dT%H:%M"))
    browser.find_element(By.CSS_SELECTOR, "input[name=immigration_related][value=no]").click()
    browser.find_element(By.ID, "enter-request").click()
    wait_for(lambda: browser.find_elements(By.ID, "review-received"), what="the review panel")
    entered = DisclosureRequest.objects.get(case_number="LA-2026-0301")
    assert "On paper" in browser.find_element(By.ID, "review-received").text
    assert "letter-from-los-alamitos.pdf" in browser.find_element(By.ID, "review-panel").text
    assert not browser.find_elements(By.CSS_SELECTOR, "a.review-approve")  # not for the person who entered it

    log_in(second, f"/admin/disclosures/disclosurerequest/{entered.pk}/change/")
    browser.find_element(By.CSS_SELECTOR, "a.review-approve").click()
    browser.find_element(By.NAME, "signer_name").send_keys("Chris Lee")
    browser.find_element(By.NAME, "reviewed").click()
    browser.find_element(By.CSS_SELECTOR, "#review-action-form [type=submit]").click()
    # Signing is irreversible: a dialog says what cannot be undone before anything is sent (issue #17).
    dialog = wait_for(lambda: browser.find_element(By.CSS_SELECTOR, "dialog#confirm-dialog[open]"), what="the dialog")
    assert "cannot be undone" in dialog.text and entered.reference in dialog.text
    entered.refresh_from_db()
    assert entered.status == DisclosureStatus.SUBMITTED
    dialog.find_element(By.ID, "confirm-dialog-ok").click()
    wait_for(lambda: browser.find_elements(By.ID, "review-authorization"), what="the written authorization")
    entered.refresh_from_db()
    assert entered.status in (DisclosureStatus.APPROVED, DisclosureStatus.RELEASED)
    assert entered.authorization.custodian == second and entered.entered_by == clerk


def test_the_inspector_general_downloads_the_report_pdf(live_server, browser, log_in, make_user):
    import requests
    from selenium.webdriver.common.by import By

    from apps.reports.choices import Audience, OversightBody
    from apps.reports.services.profiles import oversight_profile_set
    from tests.reports.support import draft_and_render, issue_and_finalize

    custodian = make_user(Role.CUSTODIAN)
    inspector = make_user(Role.OVERSIGHT, trained=False, first_name="Iris", last_name="Inspector")
    oversight_profile_set(actor=None, user=inspector, body=OversightBody.INSPECTOR_GENERAL)
    report = issue_and_finalize(actor=custodian, report=draft_and_render(actor=custodian, start=date(2026, 1, 1),
                                                                         today=date(2026, 7, 15)))
    rendition = report.renditions.get(audience=Audience.INSPECTOR_GENERAL)

    log_in(inspector, "/reports/")
    page = browser.find_element(By.TAG_NAME, "body").text
    assert report.reference in page and "Office of Inspector General" in page
    links = browser.find_elements(By.CSS_SELECTOR, "a[href*='/download/']")
    labels = [link.text for link in links]
    # The body's own (unredacted) rendition and the public summary; never the Commission's redacted one.
    assert sorted(labels) == sorted([Audience.INSPECTOR_GENERAL.label, Audience.PUBLIC.label])
    href = next(link for link in links if link.text == Audience.INSPECTOR_GENERAL.label).get_attribute("href")
    assert href.endswith(f"/reports/{report.pk}/download/{Audience.INSPECTOR_GENERAL}/")

    # Fetch the link with the browser's session, as the browser would on a click.
    session = requests.Session()
    for cookie in browser.get_cookies():
        session.cookies.set(cookie["name"], cookie["value"])
    response = session.get(href, timeout=30)
    assert response.status_code == 200, response.text[:500]
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    assert response.headers["X-Content-SHA256"] == rendition.sha256
    log = AccessLog.objects.get(action="reports.rendition.download", user=inspector)
    assert log.case_number == report.reference


def test_the_investigator_searches_reads_with_purpose_and_case_number(live_server, browser, log_in, camera,
                                                                      detective):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    for days_ago in (1, 3):
        make_read(camera, plate="7ABC123", days_ago=days_ago)
    make_read(camera, plate="8XYZ789", days_ago=2)

    log_in(detective, "/reads/")
    browser.find_element(By.NAME, "plate").send_keys("7ABC123")
    # Without a purpose and case number nothing runs and nothing is logged.
    browser.find_element(By.CSS_SELECTOR, "form.search-form [type=submit]").click()
    wait_for(lambda: browser.find_elements(By.CSS_SELECTOR, ".field-error"), what="the missing-purpose errors")
    assert not browser.find_elements(By.CSS_SELECTOR, "table.reads")
    assert AccessLog.objects.filter(user=detective).count() == 0

    Select(browser.find_element(By.NAME, "purpose")).select_by_value("investigative_leads")
    browser.find_element(By.NAME, "case_number").send_keys("24-001234")
    browser.find_element(By.CSS_SELECTOR, "form.search-form [type=submit]").click()
    table = wait_for(lambda: browser.find_elements(By.CSS_SELECTOR, "table.reads"), what="the results table")[0]
    rows = table.find_elements(By.CSS_SELECTOR, "tbody tr")
    assert len(rows) == 2
    assert all("7ABC123" in row.text and "Harbor Blvd NB" in row.text for row in rows)
    assert "8XYZ789" not in table.text

    log = AccessLog.objects.get(user=detective, action="reads.search")
    assert (log.purpose, log.case_number, log.result_count) == ("investigative_leads", "24-001234", 2)
    assert log.data_elements["plate_pattern"] == "7ABC123"
    head = browser.find_element(By.CSS_SELECTOR, ".results-head").text
    assert "2 reads" in head and f"logged as access #{log.seq}" in head


def test_the_investigator_justifies_an_area_search_and_the_supervisor_reviews_it(live_server, browser, log_in,
                                                                                 camera, detective, boss):
    """R-PURP-2: a search by area needs a written justification and the attestation; it lands in the supervisor's
    review queue (reached from the navigation), where the review is recorded."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    from apps.justifications.models import JustificationReview

    make_read(camera, plate="7ABC123", days_ago=1)
    why = "Carjacking 26-000512 near Harbor Blvd: vehicles passing the camera in the hour after the call."

    log_in(detective, "/reads/")
    browser.find_element(By.CSS_SELECTOR, "details.area summary").click()
    browser.find_element(By.NAME, "center_lat").send_keys("33.77")
    browser.find_element(By.NAME, "center_lon").send_keys("-117.92")
    browser.find_element(By.NAME, "radius_km").send_keys("1")
    Select(browser.find_element(By.NAME, "purpose")).select_by_value("investigative_leads")
    browser.find_element(By.NAME, "case_number").send_keys("26-000512")
    browser.find_element(By.CSS_SELECTOR, "form.search-form [type=submit]").click()
    errors = wait_for(lambda: browser.find_elements(By.CSS_SELECTOR, "#plate-less-justification .field-error"),
                      what="the missing-justification error")
    assert "needs a written justification" in errors[0].text
    assert not browser.find_elements(By.CSS_SELECTOR, "table.reads") and not AccessLog.objects.exists()

    browser.find_element(By.NAME, "justification").send_keys(why)
    browser.find_element(By.NAME, "attestation").click()
    browser.find_element(By.CSS_SELECTOR, "form.search-form [type=submit]").click()
    wait_for(lambda: browser.find_elements(By.ID, "plate-less-note"), what="the plate-less search note")
    assert "7ABC123" in browser.find_element(By.CSS_SELECTOR, "table.reads").text
    log = AccessLog.objects.get(user=detective, action="reads.search")
    assert log.data_elements["plate_less"] is True and log.data_elements["justification"] == why

    log_in(boss, "/")
    browser.find_element(By.LINK_TEXT, "Justification reviews").click()
    row = wait_for(lambda: browser.find_elements(By.ID, f"search-{log.pk}"), what="the search in the queue")[0]
    assert why in row.text and f"#{log.seq}" in row.text
    row.find_element(By.CSS_SELECTOR, "input[value=appropriate]").click()
    row.find_element(By.TAG_NAME, "textarea").send_keys("Time window and radius fit the call.")
    row.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    wait_for(lambda: "Review recorded." in browser.find_element(By.CSS_SELECTOR, "ul.messages").text,
             what="the review message")
    review = JustificationReview.objects.get()
    assert (review.access_log_id, review.reviewed_by, review.outcome) == (log.pk, boss, "appropriate")
    assert not browser.find_elements(By.ID, f"search-{log.pk}")
