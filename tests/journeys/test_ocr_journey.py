"""The photo-OCR journey in a real browser (headless Chromium, the live server, a real Celery worker on Redis, the
real OCR engine): an investigator uploads photos with a case number, watches the job finish on the page without
reloading it, sees the refused file's reason, corrects one reading (a correction record, R-READ-2), and finds the
read again with a misread-tolerant plate search that says how it matched (R-READ-1, R-READ-3)."""

from __future__ import annotations

import pytest

from apps.accounts.roles import Role
from apps.audit.models import AccessLog
from apps.ocr.models import OcrJob
from apps.ocr.synthetic import plate_photo_jpeg, plate_photo_png
from apps.reads.models import Read, ReadCorrection
from tests.browser import requires_chromium, wait_for
from tests.factories import DeployingAgencyFactory

pytestmark = [pytest.mark.browser, pytest.mark.celery_worker, requires_chromium,
              pytest.mark.django_db(transaction=True)]


def test_the_investigator_uploads_photos_watches_them_read_corrects_one_and_finds_it(
        live_server, browser, log_in, make_user, settings, celery_worker, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    from apps.ocr.services.processing import ocr_engine

    settings.PORTAL = {**settings.PORTAL, "OCR_ENGINE": "onnx", "OCR_QUEUE": celery_worker}
    ocr_engine()  # the models load once per process (the worker runs in a thread of this one), not in the wait below
    detective = make_user(Role.INVESTIGATOR, agency=DeployingAgencyFactory(), first_name="Dana",
                          last_name="Detective")
    photos = {"doorbell.jpg": plate_photo_jpeg("7ABC123", angle=3.0, seed=1),
              "witness.png": plate_photo_png("8KXT452", angle=-4.0, seed=2),
              "notes.jpg": b"this is a text file renamed .jpg\n"}
    for name, content in photos.items():
        (tmp_path / name).write_bytes(content)

    log_in(detective, "/ocr/")
    browser.find_element(By.NAME, "photos").send_keys("\n".join(str(tmp_path / name) for name in photos))
    Select(browser.find_element(By.NAME, "purpose")).select_by_value("investigative_leads")  # R-AUD-1a
    browser.find_element(By.NAME, "case_number").send_keys("24-555")
    browser.find_element(By.CSS_SELECTOR, "form.ocr-upload [type=submit]").click()
    wait_for(lambda: "/ocr/jobs/" in browser.current_url, what="the job page")
    job = OcrJob.objects.get(uploaded_by=detective)
    assert browser.current_url.endswith(f"/ocr/jobs/{job.pk}/") and job.case_number == "24-555"
    browser.execute_script("window.stillTheSamePage = true;")  # gone if the page were reloaded

    def statuses():
        return browser.execute_script(
            "return Array.from(document.querySelectorAll('article.ocr-item')).map(e => e.dataset.status)")

    wait_for(lambda: statuses() == ["done", "done", "failed"], seconds=90, what="the photos to be read")
    assert browser.execute_script("return window.stillTheSamePage === true")  # updated in place, not reloaded
    wait_for(lambda: "3 of 3 photos finished" in browser.page_source, what="the progress to reach 3 of 3")
    items = browser.find_elements(By.CSS_SELECTOR, "article.ocr-item")
    assert "7ABC123" in items[0].text and "8KXT452" in items[1].text
    assert "“notes.jpg” was refused: not a JPEG or PNG image." in items[2].text
    assert items[0].find_elements(By.CSS_SELECTOR, "svg.ocr-photo rect.ocr-box-chosen")  # the plate's box drawn
    # The job page fits a phone and a 1024x768 laptop without sideways scrolling (issue #17).
    for width, height in ((390, 844), (1024, 768)):
        browser.set_window_size(width, height)
        scroll, inner = browser.execute_script("return [document.documentElement.scrollWidth, window.innerWidth];")
        assert scroll <= inner, f"the OCR job page scrolls sideways at {width} px ({scroll} > {inner})"
    browser.set_window_size(1366, 1000)

    witness = items[1]
    plate = witness.find_element(By.NAME, "corrected_plate")
    plate.clear()
    plate.send_keys("8KXT458")
    witness.find_element(By.NAME, "reason").send_keys("photo shows 8 as the last character, OCR read 2")
    witness.find_element(By.CSS_SELECTOR, "form.ocr-correct [type=submit]").click()
    wait_for(lambda: "corrected from 8KXT452" in browser.find_elements(By.CSS_SELECTOR, "article.ocr-item")[1].text,
             what="the correction to show")
    read = Read.objects.get(plate_current="8KXT458")
    assert read.plate_normalized == "8KXT452"  # the original reading is kept (R-READ-2)
    assert ReadCorrection.objects.get(read=read).corrected_by == detective

    browser.get(f"{live_server.url}/reads/")
    browser.find_element(By.NAME, "plate").send_keys("BKXT458")  # 8 taken for a B
    browser.find_element(By.NAME, "misread_tolerant").click()
    Select(browser.find_element(By.NAME, "purpose")).select_by_value("investigative_leads")
    browser.find_element(By.NAME, "case_number").send_keys("24-555")
    browser.find_element(By.CSS_SELECTOR, "form.search-form [type=submit]").click()
    table = wait_for(lambda: browser.find_elements(By.CSS_SELECTOR, "table.reads"), what="the results table")[0]
    rows = table.find_elements(By.CSS_SELECTOR, "tbody tr")
    assert len(rows) == 1 and "8KXT458" in rows[0].text and "matched allowing B↔8" in rows[0].text
    assert "misread-tolerant" in browser.find_element(By.CSS_SELECTOR, ".results-head").text
    log = AccessLog.objects.get(user=detective, action="reads.search")
    assert (log.purpose, log.case_number, log.result_count) == ("investigative_leads", "24-555", 1)
