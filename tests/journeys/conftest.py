"""Shared fixtures for the browser journeys: headless Chromium (Selenium) with a screenshot and the page's HTML saved
to test-artifacts/ when a test fails, and a helper that logs a person in through the login page."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest

from tests.conftest import PASSWORD

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"

requires_chromium = pytest.mark.skipif(not Path(CHROMIUM).exists(),
                                       reason="headless Chromium (Debian `chromium`) is not installed")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Let the browser fixture see whether the test failed."""
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)


@pytest.fixture
def browser(request):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1366,1000",
                     "--disable-gpu"):
        options.add_argument(argument)
    service = Service(executable_path=CHROMEDRIVER if Path(CHROMEDRIVER).exists() else shutil.which("chromedriver"))
    driver = webdriver.Chrome(options=options, service=service)
    driver.implicitly_wait(3)
    yield driver
    report = getattr(request.node, "rep_call", None)
    if report is None or report.failed:
        ARTIFACTS.mkdir(exist_ok=True)
        driver.save_screenshot(str(ARTIFACTS / f"{request.node.name}.png"))
        (ARTIFACTS / f"{request.node.name}.html").write_text(driver.page_source)
    driver.quit()


@pytest.fixture
def log_in(browser, live_server):
    """log_in(user, next_path): a fresh session (cookies cleared), then the portal's login page."""
    from selenium.webdriver.common.by import By

    def _log_in(user, next_path: str = "/") -> None:
        browser.delete_all_cookies()
        browser.get(f"{live_server.url}/accounts/login/?next={next_path}")
        browser.find_element(By.NAME, "username").send_keys(user.username)
        browser.find_element(By.NAME, "password").send_keys(PASSWORD)
        browser.find_element(By.CSS_SELECTOR, "form [type=submit]").click()
        wait_for(lambda: "/accounts/login/" not in browser.current_url
                 and browser.execute_script("return document.readyState") == "complete",
                 what=f"{user.username} to be logged in")

    return _log_in


def wait_for(predicate, seconds: float = 15, what: str = "condition"):
    """Poll ``predicate`` until it returns something truthy; an element that went stale (the page was being
    replaced) or is not there yet counts as "not yet"."""
    from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            value = predicate()
        except (StaleElementReferenceException, NoSuchElementException):
            value = None
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")
