"""Journeys of the people and policy rules in a real browser: a new analyst is stopped at the gate, opens the policy
version's text from the acknowledgment page and acknowledges it (R-ACC-7); anyone reads the public page naming the
ALPR Administrator, the authorized titles and the adopted policy documents (R-ADM-1, R-ACC-5, R-REP-3a)."""

from __future__ import annotations

import pytest
from django.utils import timezone

from apps.accounts.roles import Role
from apps.accounts.services import alpr_administrator_designate
from apps.agencies.models import PolicyAcknowledgment
from tests.browser import requires_chromium, wait_for
from tests.training.test_access_gate import publish

pytestmark = [pytest.mark.browser, requires_chromium, pytest.mark.django_db(transaction=True)]


def test_a_new_analyst_reads_and_acknowledges_the_policy_before_searching(live_server, browser, log_in, make_user):
    """R-ACC-7"""
    from selenium.webdriver.common.by import By

    custodian = make_user(Role.CUSTODIAN)
    document = publish("2026-1", actor=custodian)
    analyst = make_user(Role.INVESTIGATOR, first_name="Nina", last_name="Lopez", job_title="Crime analyst")
    log_in(analyst, "/reads/")
    wait_for(lambda: "/training/required/" in browser.current_url, what="the gate to stop the search")
    assert "You have not acknowledged the usage and privacy policy in force" in browser.page_source

    browser.find_element(By.LINK_TEXT, "Read and acknowledge the usage and privacy policy").click()
    wait_for(lambda: "/training/policy/" in browser.current_url, what="the acknowledgment page")
    text_link = browser.find_element(By.ID, "policy-text")
    assert text_link.get_attribute("href").endswith(f"/transparency/policies/{document.pk}.pdf")
    assert document.sha256 in browser.page_source

    browser.find_element(By.NAME, "confirm").click()
    browser.find_element(By.CSS_SELECTOR, "#acknowledge-form button[type=submit]").click()
    wait_for(lambda: "acknowledgment of version 2026-1 is recorded" in browser.page_source,
             what="the acknowledgment to be confirmed")
    assert PolicyAcknowledgment.objects.filter(person=analyst, document=document).exists()

    browser.get(f"{live_server.url}/reads/")
    wait_for(lambda: browser.find_elements(By.NAME, "case_number"), what="the search form")
    assert "/training/required/" not in browser.current_url


def test_the_public_reads_who_oversees_alpr_and_the_adopted_policy(live_server, browser, make_user):
    """R-ADM-1"""
    from selenium.webdriver.common.by import By

    custodian = make_user(Role.CUSTODIAN, job_title="Custodian of Records")
    lieutenant = make_user(Role.SYSADMIN, first_name="Dana", last_name="Reyes", job_title="Lieutenant")
    alpr_administrator_designate(actor=custodian, agency=lieutenant.agency, person=lieutenant,
                                 title="Lieutenant, ASAP Unit", effective_from=timezone.localdate())
    document = publish("2026-1", actor=custodian)

    browser.delete_all_cookies()
    browser.get(f"{live_server.url}/transparency/")
    administrator = browser.find_element(By.ID, "alpr-administrator").find_element(By.XPATH, "following-sibling::p")
    assert "Dana Reyes" in administrator.text and "Lieutenant, ASAP Unit" in administrator.text
    titles = browser.find_element(By.CSS_SELECTOR, "ul.titles").text
    assert "Custodian of Records" in titles and "Lieutenant" in titles  # R-ACC-5
    documents = browser.find_element(By.ID, "policy-documents")
    assert document.sha256 in documents.text  # R-REP-3a
    link = documents.find_element(By.PARTIAL_LINK_TEXT, "Version 2026-1")
    assert link.get_attribute("href").endswith(f"/transparency/policies/{document.pk}.pdf")
