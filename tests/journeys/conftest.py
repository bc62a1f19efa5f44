"""Shared fixtures for the browser journeys: a helper that logs a person in through the login page. The browser
itself is the ``browser`` fixture of tests/conftest.py (tests/browser.py)."""

from __future__ import annotations

import pytest

from tests.browser import wait_for
from tests.conftest import PASSWORD


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
