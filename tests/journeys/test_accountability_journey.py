"""Journeys of the accountability screens in a real browser: a member reports a suspected violation to a sergeant,
who reviews and closes it (R-AUD-4); the system administrator registers a security incident and scopes it from the
access log (R-SEC-1)."""

from __future__ import annotations

import pytest

from apps.accounts.models import Rank
from apps.accounts.roles import Role
from apps.audit.models import SecurityIncident
from apps.audits.choices import ViolationStatus
from apps.audits.models import ViolationReport
from tests.browser import requires_chromium, wait_for

pytestmark = [pytest.mark.browser, requires_chromium, pytest.mark.django_db(transaction=True)]


def test_a_member_reports_a_violation_and_the_sergeant_closes_it(live_server, browser, log_in, make_user):
    """R-AUD-4"""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    sergeant = make_user(Role.SUPERVISOR, rank=Rank.SERGEANT, first_name="Sofia", last_name="Reyes")
    deputy = make_user(Role.OPERATOR, first_name="Owen", last_name="Park")

    log_in(deputy, "/audits/violations/new/")
    Select(browser.find_element(By.NAME, "kind")).select_by_index(0)
    Select(browser.find_element(By.NAME, "supervisor")).select_by_visible_text("Sofia Reyes — Sergeant")
    browser.find_element(By.NAME, "description").send_keys("A colleague ran a plate for a neighbour's car.")
    browser.find_element(By.CSS_SELECTOR, "form.card button[type=submit]").click()
    report = wait_for(lambda: ViolationReport.objects.filter(reported_by=deputy).first(), what="the report to be saved")
    assert report.supervisor == sergeant and report.status == ViolationStatus.SUBMITTED

    log_in(sergeant, f"/audits/violations/{report.pk}/")
    browser.find_element(By.XPATH, "//button[normalize-space()='Start the review']").click()
    wait_for(lambda: ViolationReport.objects.get(pk=report.pk).status == ViolationStatus.UNDER_REVIEW,
             what="the review to start")
    Select(browser.find_element(By.NAME, "outcome")).select_by_value("substantiated")
    browser.find_element(By.NAME, "resolution").send_keys("Confirmed in the access log; referred for discipline.")
    browser.find_element(By.XPATH, "//button[normalize-space()='Close with this outcome']").click()
    wait_for(lambda: ViolationReport.objects.get(pk=report.pk).status == ViolationStatus.CLOSED,
             what="the report to be closed")
    assert "Confirmed in the access log" in browser.page_source


def test_the_administrator_registers_an_incident(live_server, browser, log_in, make_user):
    """R-SEC-1"""
    from selenium.webdriver.common.by import By

    administrator = make_user(Role.SYSADMIN)
    log_in(administrator, "/audit/incidents/new/")
    form = browser.find_element(By.CSS_SELECTOR, "main form")
    for field in form.find_elements(By.CSS_SELECTOR, "input[type=text], textarea"):
        field.send_keys("Shared login suspected on the records terminal")
    form.find_element(By.CSS_SELECTOR, "[type=submit]").click()
    incident = wait_for(lambda: SecurityIncident.objects.first(), what="the incident to be registered")
    wait_for(lambda: f"/audit/incidents/{incident.pk}/" in browser.current_url, what="the incident page")
    assert incident.reference in browser.page_source
