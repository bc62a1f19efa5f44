"""In a real browser (headless Chromium, Selenium): an operator keeps the live hits page open; a camera posts reads
through the ingest API; the hit appears on the page without a reload, with the plate image beside the listed plate
and the "not probable cause" warning (R-HOT-3, R-HOT-4)."""

from __future__ import annotations

import time
from datetime import UTC, timedelta

import pytest
from django.utils import timezone

from apps.hotlists.models import Hit
from apps.reads.services.tokens import camera_token_issue
from tests.browser import ARTIFACTS, requires_chromium, wait_for
from tests.conftest import PASSWORD
from tests.hotlists.conftest import crop_b64, csv_of, soon

pytestmark = [pytest.mark.browser(implicit_wait=2), requires_chromium]


@pytest.mark.django_db(transaction=True)
def test_the_hits_page_shows_a_newly_ingested_hit_without_reload(live_server, browser, make_list, camera, operator):
    from rest_framework.test import APIClient
    from selenium.webdriver.common.by import By

    make_list(csv_of(f"7AB?12*,,felony_vehicle,1,26-004502,{soon()},Armed robbery suspect vehicle"))
    _credential, token = camera_token_issue(actor=None, camera=camera)

    browser.get(f"{live_server.url}/accounts/login/?next=/hotlists/hits/")
    browser.find_element(By.NAME, "username").send_keys(operator.username)
    browser.find_element(By.NAME, "password").send_keys(PASSWORD)
    browser.find_element(By.CSS_SELECTOR, "form [type=submit]").click()
    # R-AUD-1a: the operator states the shift's duty purpose and incident number once; the page and its polls log it.
    from selenium.webdriver.support.ui import Select

    wait_for(lambda: browser.find_elements(By.NAME, "purpose"), seconds=20, what="the purpose form")
    Select(browser.find_element(By.NAME, "purpose")).select_by_value("wanted_persons")
    browser.find_element(By.NAME, "case_number").send_keys("SHIFT-26-1205-A")
    browser.find_element(By.CSS_SELECTOR, "form.access-context [type=submit]").click()
    wait_for(lambda: browser.find_elements(By.ID, "hits"), seconds=20, what="the hits page")
    assert "A hit is not probable cause." in browser.find_element(By.ID, "not-probable-cause").text
    assert browser.find_elements(By.CSS_SELECTOR, "article.hit") == []
    browser.execute_script("window.__marker = 'same page';")

    camera_client = APIClient()
    camera_client.credentials(HTTP_AUTHORIZATION=f"Camera {token}")
    started = time.monotonic()
    response = camera_client.post("/api/v1/ingest/reads/", {"reads": [
        {"read_id": "b-1", "plate": "7ABX129", "region": "CA", "plate_crop": crop_b64(),
         "captured_at": (timezone.now() - timedelta(seconds=3)).astimezone(UTC).isoformat()},
        {"read_id": "b-2", "plate": "6TRJ244", "region": "CA",
         "captured_at": (timezone.now() - timedelta(seconds=2)).astimezone(UTC).isoformat()},
    ]}, format="json")
    assert response.status_code == 200 and response.json()["stored"] == 2
    hit = Hit.objects.get()  # through the ingest hook: the hit committed with its read

    card = wait_for(lambda: browser.find_elements(By.CSS_SELECTOR, f'article.hit[data-id="{hit.pk}"]'),
                    seconds=20, what="the new hit on the page")[0]
    elapsed = time.monotonic() - started
    assert browser.execute_script("return window.__marker;") == "same page", "the page must not reload"
    assert "7ABX129" in card.text and "7AB?12*" in card.text and "Felony vehicle" in card.text
    image = card.find_element(By.CSS_SELECTOR, ".hit-crop img")
    wait_for(lambda: browser.execute_script("return arguments[0].complete && arguments[0].naturalWidth > 0;", image),
             seconds=20, what="the plate crop to load")
    assert elapsed < 6, f"hit shown after {elapsed:.1f} s"
    from apps.audit.models import AccessLog

    shown = AccessLog.objects.filter(action="hotlists.hits.view", data_elements__hits__contains=[hit.pk])
    assert {(row.purpose, row.case_number) for row in shown} == {("wanted_persons", "SHIFT-26-1205-A")}
    assert AccessLog.objects.filter(action="hotlists.hits.image", purpose="wanted_persons").exists()
    ARTIFACTS.mkdir(exist_ok=True)
    browser.save_screenshot(str(ARTIFACTS / "hotlists-live-hit.png"))
