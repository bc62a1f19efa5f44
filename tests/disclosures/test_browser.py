"""In a real browser (headless Chromium, Selenium): the custodian approves a request in the admin with a typed
signature, a real Celery worker builds the package, and the requester downloads it from their page (R-SHR-4)."""

from __future__ import annotations

import hashlib
import json
import zipfile

import pytest
from django.utils import timezone

from apps.disclosures.choices import DisclosureStatus, PackageStatus
from apps.disclosures.models import ReleasePackage
from tests.browser import requires_chromium, wait_for
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser(implicit_wait=5), pytest.mark.celery_worker, requires_chromium]


def _log_in(driver, url: str, username: str) -> None:
    from selenium.webdriver.common.by import By

    driver.get(url)
    driver.find_element(By.NAME, "username").send_keys(username)
    driver.find_element(By.NAME, "password").send_keys(PASSWORD)
    driver.find_element(By.CSS_SELECTOR, "form [type=submit]").click()


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
    wait_for(lambda: ReleasePackage.objects.filter(pk=package.pk, status__in=[PackageStatus.SUCCEEDED,
                                                                                PackageStatus.FAILED]).exists(),
             seconds=90, what="the release package")
    package.refresh_from_db()
    assert package.status == PackageStatus.SUCCEEDED, package.error
    request.refresh_from_db()
    assert request.status == DisclosureStatus.RELEASED

    # The requester logs in on the portal and downloads the package from the request page.
    browser.delete_all_cookies()
    _log_in(browser, f"{live_server.url}/accounts/login/?next=/disclosures/requests/{request.pk}/", partner.username)
    assert browser.find_element(By.ID, "request-status").text == "Released"
    browser.find_element(By.ID, "download-package").click()
    archive_path = wait_for(lambda: next(iter(downloads.glob("*.zip")), None), seconds=30, what="the download")
    wait_for(lambda: not list(downloads.glob("*.crdownload")), seconds=30, what="the download to finish")
    assert archive_path.name == f"{request.reference}.zip"
    assert hashlib.sha256(archive_path.read_bytes()).hexdigest() == package.file_sha256
    with zipfile.ZipFile(archive_path) as archive:
        manifest = json.loads(archive.read("manifest.json"))
        for entry in manifest["files"]:
            assert hashlib.sha256(archive.read(entry["path"])).hexdigest() == entry["sha256"]
        assert "authorization-letter.pdf" in archive.namelist() and manifest["read_count"] == 2
    assert request.released_at <= timezone.now()
