"""Headless Chromium for the browser tests (Selenium): where it is, the skip when it is not installed, the driver the
``browser`` fixture (tests/conftest.py) starts, and polling for what a page shows.

A browser test module marks itself ``pytestmark = [pytest.mark.browser, requires_chromium, ...]`` and takes the
``browser`` fixture; ``@pytest.mark.browser(implicit_wait=5)`` changes how long ``find_element`` waits (default 3 s),
``window=(1440, 1000)`` its size and ``network_log=True`` records every request the pages make (to prove nothing
loads from outside).
Downloads land in the ``downloads`` fixture's folder. When a test fails, a screenshot and the page's HTML are saved to
test-artifacts/<test name>.png/.html."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"
IMPLICIT_WAIT_SECONDS = 3

requires_chromium = pytest.mark.skipif(not Path(CHROMIUM).exists(),
                                       reason="headless Chromium (Debian `chromium`) is not installed")


def chromium_start(*, downloads: Path, implicit_wait: float = IMPLICIT_WAIT_SECONDS,
                   window: tuple[int, int] = (1366, 1000), network_log: bool = False):
    """A headless Chromium (``window`` wide and high, 1366×1000 by default) that saves downloads to ``downloads``
    without asking; with ``network_log`` every request the pages make can be read from its performance log."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage",
                     f"--window-size={window[0]},{window[1]}", "--disable-gpu"):
        options.add_argument(argument)
    if network_log:
        options.set_capability("goog:loggingPrefs", {"performance": "ALL"})
    options.add_experimental_option("prefs", {"download.default_directory": str(downloads),
                                              "download.prompt_for_download": False})
    service = Service(executable_path=CHROMEDRIVER if Path(CHROMEDRIVER).exists() else shutil.which("chromedriver"))
    driver = webdriver.Chrome(options=options, service=service)
    driver.execute_cdp_cmd("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)})
    driver.implicitly_wait(implicit_wait)
    return driver


def failure_artifacts_save(driver, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    driver.save_screenshot(str(ARTIFACTS / f"{name}.png"))
    (ARTIFACTS / f"{name}.html").write_text(driver.page_source)


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
