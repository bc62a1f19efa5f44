"""In a real browser (headless Chromium, Selenium): the custodian approves a request in the admin with a typed
signature, a real Celery worker builds the package, and the requester downloads it from their page (R-SHR-4)."""

from __future__ import annotations

import hashlib
import json
import shutil
import time
import zipfile
from pathlib import Path

import pytest
from django.utils import timezone

from apps.disclosures.choices import DisclosureStatus, PackageStatus
from apps.disclosures.models import ReleasePackage
from tests.conftest import PASSWORD

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.celery_worker,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="headless Chromium (Debian `chromium`) is not installed"),
]


@pytest.fixture
def downloads(tmp_path):
    path = tmp_path / "downloads"
    path.mkdir()
    return path


@pytest.fixture
def browser(request, downloads):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1366,1000",
                     "--disable-gpu"):
        options.add_argument(argument)
    options.add_experimental_option("prefs", {"download.default_directory": str(downloads),
                                              "download.prompt_for_download": False})
    service = Service(executable_path=CHROMEDRIVER if Path(CHROMEDRIVER).exists() else shutil.which("chromedriver"))
    driver = webdriver.Chrome(options=options, service=service)
    driver.execute_cdp_cmd("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)})
    driver.implicitly_wait(5)
    yield driver
    report = getattr(request.node, "rep_call", None)
    if report is None or report.failed:
        artifacts = Path(__file__).resolve().parents[2] / "test-artifacts"
        artifacts.mkdir(exist_ok=True)
        driver.save_screenshot(str(artifacts / f"{request.node.name}.png"))
        (artifacts / f"{request.node.name}.html").write_text(driver.page_source)
    driver.quit()


def _log_in(driver, url: str, username: str) -> None:
    from selenium.webdriver.common.by import By

    driver.get(url)
    driver.find_element(By.NAME, "username").send_keys(username)
    driver.find_element(By.NAME, "password").send_keys(PASSWORD)
    driver.find_element(By.CSS_SELECTOR, "form [type=submit]").click()


def _wait_for(predicate, seconds: float = 90, what: str = "condition"):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.3)
    raise AssertionError(f"timed out waiting for {what}")


def test_the_custodian_approves_in_the_admin_and_the_requester_downloads(
        celery_worker, live_server, browser, downloads, custodian, partner, agreement, store_reads, submit):
    from selenium.webdriver.common.by import By

    store_reads([("7ABC123", 2, True), ("7ABC123", 9, True)])
    request = submit(partner, plates=["7ABC123"])
    change = f"/admin/disclosures/disclosurerequest/{request.pk}/change/"

    # The custodian reviews the request in the admin: eligibility, agreement and the (logged) count of reads.
    _log_in(browser, f"{live_server.url}/admin/login/?next={change}", custodian.username)
    panel = browser.find_element(By.ID, "review-panel").text
    assert "Eligible" in panel and agreement.title in panel and "2 reads" in panel
    browser.find_element(By.CSS_SELECTOR, "a.review-approve").click()

    # Written authorization: the statement is prefilled; the name and title are typed as the signature.
    statement = browser.find_element(By.NAME, "statement").get_attribute("value")
    assert request.reference in statement
    browser.find_element(By.NAME, "signer_name").send_keys("Carmen Ortiz")
    browser.find_element(By.NAME, "reviewed").click()
    browser.find_element(By.CSS_SELECTOR, "#review-action-form [type=submit]").click()
    # Signing is irreversible: the dialog says so, and only its confirm button sends the form (issue #17).
    dialog = browser.find_element(By.CSS_SELECTOR, "dialog#confirm-dialog[open]")
    assert "cannot be undone" in dialog.text
    dialog.find_element(By.ID, "confirm-dialog-ok").click()
    assert "is approved" in browser.find_element(By.CSS_SELECTOR, ".messagelist").text

    package = ReleasePackage.objects.get(request=request)
    _wait_for(lambda: ReleasePackage.objects.filter(pk=package.pk, status__in=[PackageStatus.SUCCEEDED,
                                                                                 PackageStatus.FAILED]).exists(),
              what="the release package")
    package.refresh_from_db()
    assert package.status == PackageStatus.SUCCEEDED, package.error
    request.refresh_from_db()
    assert request.status == DisclosureStatus.RELEASED

    # The requester logs in on the portal and downloads the package from the request page.
    browser.delete_all_cookies()
    _log_in(browser, f"{live_server.url}/accounts/login/?next=/disclosures/requests/{request.pk}/", partner.username)
    assert browser.find_element(By.ID, "request-status").text == "Released"
    browser.find_element(By.ID, "download-package").click()
    archive_path = _wait_for(lambda: next(iter(downloads.glob("*.zip")), None), seconds=30, what="the download")
    _wait_for(lambda: not list(downloads.glob("*.crdownload")), seconds=30, what="the download to finish")
    assert archive_path.name == f"{request.reference}.zip"
    assert hashlib.sha256(archive_path.read_bytes()).hexdigest() == package.file_sha256
    with zipfile.ZipFile(archive_path) as archive:
        manifest = json.loads(archive.read("manifest.json"))
        for entry in manifest["files"]:
            assert hashlib.sha256(archive.read(entry["path"])).hexdigest() == entry["sha256"]
        assert "authorization-letter.pdf" in archive.namelist() and manifest["read_count"] == 2
    assert request.released_at <= timezone.now()
