"""Journeys of issue #17 in a real browser: an area search drawn on the map, a plate's story with its map, timeline and
gallery (then a hot-list entry from it), and reads put on an evidence hold from the results. Each asserts what the
person sees and the access-log rows; no request leaves the portal (no CDN, no tile server unless configured)."""

from __future__ import annotations

import itertools
import json
from datetime import timedelta
from urllib.parse import quote

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

from apps.accounts.roles import Role
from apps.audit.models import AccessLog
from apps.holds.models import EvidenceHold
from apps.hotlists.models import HotListEntry
from apps.hotlists.services.lists import hot_list_create
from apps.reads.models import Read
from tests.browser import requires_chromium, wait_for
from tests.factories import DeployingAgencyFactory
from tests.holds.helpers import jpeg_bytes, make_camera

pytestmark = [pytest.mark.browser(window=(1440, 1000), network_log=True), requires_chromium,
              pytest.mark.django_db(transaction=True)]

HARBOR = (33.77, -117.92)
DOWNTOWN = (34.05, -118.25)
_counter = itertools.count(1)


@pytest.fixture
def agency():
    return DeployingAgencyFactory()


@pytest.fixture
def boss(make_user, agency):
    return make_user(Role.SUPERVISOR, agency=agency, first_name="Sam", last_name="Sergeant")


@pytest.fixture
def detective(make_user, agency, boss):
    return make_user(Role.INVESTIGATOR, agency=agency, supervisor=boss, first_name="Dana", last_name="Detective")


def _read_at(camera, position, *, plate: str, days_ago: float, confidence: float = 90.0, images: bool = False
             ) -> Read:
    """A read captured ``days_ago`` at ``position`` (originals are immutable, so built whole; bypassing ingest, which
    refuses old captures), optionally with stored images."""
    captured = timezone.now() - timedelta(days=days_ago)
    read = Read(camera=camera, source_read_id=f"map-{next(_counter)}", source=camera.kind, plate_read=plate,
                plate_normalized=plate, plate_current=plate, region="CA", captured_at=captured,
                received_at=captured + timedelta(seconds=2), latitude=position[0], longitude=position[1],
                confidence=confidence)
    if images:
        for kind in ("vehicle_image", "plate_crop"):
            getattr(read, kind).name = default_storage.save(f"reads/test/{read.source_read_id}-{kind}.jpg",
                                                            ContentFile(jpeg_bytes()))
    read.save(force_insert=True)
    return read


def _map_ready(browser, map_id: str):
    from selenium.webdriver.common.by import By

    return wait_for(lambda: browser.find_element(By.ID, map_id).get_attribute("data-ready") == "true"
                    and browser.find_element(By.ID, map_id), what=f"the map {map_id}")


def _requests_outside(browser, live_server) -> set[str]:
    """Every URL the page asked for that is not the portal itself (Chromium's performance log)."""
    urls = set()
    for entry in browser.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            url = message["params"]["request"]["url"]
            if not url.startswith(live_server.url) and not url.startswith("data:"):
                urls.add(url)
    return urls


def _drag_on_map(browser, map_element, start: tuple[float, float], end: tuple[float, float]) -> None:
    """Press at ``start`` (lat, lon) and drag to ``end``, as a person does with the mouse."""
    from selenium.webdriver.common.action_chains import ActionChains

    # Selenium's offsets are from the centre of the element's visible part: show all of it first.
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'});", map_element)
    points = browser.execute_script(
        "var m = arguments[0].portalMap; return [m.latLngToContainerPoint(arguments[1]),"
        " m.latLngToContainerPoint(arguments[2])];", map_element, list(start), list(end))
    size = map_element.size
    x0, y0 = points[0]["x"] - size["width"] / 2, points[0]["y"] - size["height"] / 2
    dx, dy = points[1]["x"] - points[0]["x"], points[1]["y"] - points[0]["y"]
    (ActionChains(browser).move_to_element_with_offset(map_element, int(x0), int(y0)).click_and_hold()
     .move_by_offset(int(dx / 2), int(dy / 2)).move_by_offset(int(dx - dx / 2), int(dy - dy / 2)).release()
     .perform())


def _click_on_map(browser, map_element, position: tuple[float, float]) -> None:
    from selenium.webdriver.common.action_chains import ActionChains

    browser.execute_script("arguments[0].scrollIntoView({block: 'center'});", map_element)
    point = browser.execute_script("return arguments[0].portalMap.latLngToContainerPoint(arguments[1]);",
                                   map_element, list(position))
    size = map_element.size
    (ActionChains(browser).move_to_element_with_offset(
        map_element, int(point["x"] - size["width"] / 2), int(point["y"] - size["height"] / 2)).click().perform())


def test_the_investigator_draws_the_search_area_on_the_map(live_server, browser, log_in, agency, detective):
    """R-PURP-2: the box drawn on the map fills the area fields; the search by area still needs its justification,
    and its access-log row records exactly the box that was drawn."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    harbor = make_camera(agency)
    downtown = make_camera(agency, name="Downtown 3rd St")
    near = _read_at(harbor, HARBOR, plate="7ABC123", days_ago=1)
    _read_at(downtown, DOWNTOWN, plate="8XYZ789", days_ago=1)

    log_in(detective, "/reads/")
    browser.find_element(By.CSS_SELECTOR, "details.area summary").click()
    area_map = _map_ready(browser, "area-map")
    # The person zooms to the harbor, then draws a box around it.
    browser.execute_script("arguments[0].portalMap.setView(arguments[1], 11, {animate: false});", area_map,
                           list(HARBOR))
    # A circle by two taps (centre, then edge), as on a touch screen...
    area_map.find_element(By.CSS_SELECTOR, "button.map-draw-circle").click()
    _click_on_map(browser, area_map, HARBOR)
    _click_on_map(browser, area_map, (HARBOR[0], HARBOR[1] + 0.02))
    wait_for(lambda: area_map.get_attribute("data-area") == "circle", what="the drawn circle")
    circle = [float(browser.find_element(By.NAME, name).get_attribute("value"))
              for name in ("center_lat", "center_lon", "radius_km")]
    assert circle == [pytest.approx(HARBOR[0], abs=0.002), pytest.approx(HARBOR[1], abs=0.002),
                      pytest.approx(1.85, abs=0.1)]  # 0.02° of longitude at 33.77° N is 1.85 km
    # ...then, changing their mind, a box dragged with the mouse: it replaces the circle.
    area_map.find_element(By.CSS_SELECTOR, "button.map-draw-box").click()
    _drag_on_map(browser, area_map, (HARBOR[0] + 0.03, HARBOR[1] - 0.04), (HARBOR[0] - 0.03, HARBOR[1] + 0.04))
    wait_for(lambda: area_map.get_attribute("data-area") == "box", what="the drawn box")
    box = {name: float(browser.find_element(By.NAME, name).get_attribute("value"))
           for name in ("south", "west", "north", "east")}
    assert box["south"] < HARBOR[0] < box["north"] and box["west"] < HARBOR[1] < box["east"]
    assert box["north"] - box["south"] == pytest.approx(0.06, abs=0.005)
    assert browser.find_element(By.NAME, "center_lat").get_attribute("value") == ""

    browser.find_element(By.NAME, "justification").send_keys(
        "Carjacking 26-000512 near Harbor Blvd: vehicles passing the camera in the hour after the call.")
    browser.find_element(By.NAME, "attestation").click()
    Select(browser.find_element(By.NAME, "purpose")).select_by_value("investigative_leads")
    browser.find_element(By.NAME, "case_number").send_keys("26-000512")
    browser.find_element(By.CSS_SELECTOR, "form.search-form [type=submit]").click()

    table = wait_for(lambda: browser.find_elements(By.CSS_SELECTOR, "table.reads"), what="the results")[0]
    assert [row.get_attribute("data-read") for row in table.find_elements(By.CSS_SELECTOR, "tbody tr")] == [
        str(near.pk)]
    assert "8XYZ789" not in table.text
    results_map = _map_ready(browser, "results-map")
    assert results_map.get_attribute("data-points-shown") == "1"
    # The box survives the round trip: drawn again from the fields on the results page.
    browser.find_element(By.CSS_SELECTOR, "details.area summary")
    assert _map_ready(browser, "area-map").get_attribute("data-area") == "box"

    log = AccessLog.objects.get(user=detective)
    assert (log.action, log.purpose, log.case_number, log.result_count) == (
        "reads.search", "investigative_leads", "26-000512", 1)
    assert log.data_elements["area"] == {"bbox": box} and log.data_elements["plate_less"] is True
    assert _requests_outside(browser, live_server) == set()


def test_a_plates_story_with_its_map_timeline_and_a_hot_list_entry(live_server, browser, log_in, agency, detective,
                                                                   boss):
    """The story is the logged search of one plate (R-READ-3); its images are each logged (R-AUD-1a); "add to hot
    list" is a hot-list entry whose reason "other" needs the justification and attestation (R-PURP-2)."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    harbor = make_camera(agency)
    downtown = make_camera(agency, name="Downtown 3rd St")
    first = _read_at(harbor, HARBOR, plate="7ABC123", days_ago=3, images=True)
    _read_at(downtown, DOWNTOWN, plate="7ABC123", days_ago=2)
    last = _read_at(harbor, HARBOR, plate="7ABC123", days_ago=1, confidence=99.0)
    _read_at(harbor, HARBOR, plate="7ABD129", days_ago=1)
    hot_list_create(actor=boss, name="Detective bureau watch list", source="own", owner=boss, default_entry_days=30)

    log_in(detective, quote("/reads/?plate=7AB*&purpose=investigative_leads&case_number=24-001234"))
    browser.find_element(By.ID, "view-plates").click()
    row = wait_for(lambda: browser.find_element(By.CSS_SELECTOR, "#plate-groups tr[data-plate='7ABC123']"),
                   what="the plate groups")
    assert "3" in row.text and "Harbor Blvd NB → Downtown 3rd St" in row.text
    row.find_element(By.LINK_TEXT, "Story").click()

    wait_for(lambda: browser.find_elements(By.ID, "plate-story"), what="the plate's story")
    assert "Harbor Blvd NB" in browser.find_element(By.ID, "story-first").text
    assert "Harbor Blvd NB" in browser.find_element(By.ID, "story-last").text
    visits = browser.find_elements(By.CSS_SELECTOR, "#story-timeline li.visit")
    assert [visit.get_attribute("data-camera") for visit in visits] == ["Harbor Blvd NB", "Downtown 3rd St",
                                                                       "Harbor Blvd NB"]
    gaps = browser.find_elements(By.CSS_SELECTOR, "#story-timeline li.gap")
    assert [gap.text for gap in gaps] == ["1 d later", "1 d later"]
    story_map = _map_ready(browser, "story-map")
    assert story_map.get_attribute("data-points-shown") == "3"
    assert story_map.find_elements(By.CSS_SELECTOR, "path.map-route"), "the sightings are joined in time order"
    gallery = browser.find_element(By.ID, "story-gallery")
    wait_for(lambda: all(img.get_attribute("naturalWidth") not in (None, "0")
                         for img in gallery.find_elements(By.TAG_NAME, "img")), what="the gallery images")
    assert f"#{first.pk}" in gallery.text

    Select(browser.find_element(By.ID, "id_sort")).select_by_value("confidence")
    browser.find_element(By.CSS_SELECTOR, "#story-sort button").click()
    wait_for(lambda: "sort=confidence" in browser.current_url, what="the sorted story")
    rows = browser.find_elements(By.CSS_SELECTOR, "#plate-story table.reads tbody tr")
    assert rows[0].get_attribute("data-read") == str(last.pk) and f"#{last.pk}" in rows[0].text

    searches = list(AccessLog.objects.filter(user=detective, action="reads.search").order_by("seq"))
    assert [log.data_elements["plate_pattern"] for log in searches] == ["7AB*", "7AB*", "7ABC123", "7ABC123"]
    assert {(log.purpose, log.case_number) for log in searches} == {("investigative_leads", "24-001234")}
    assert searches[2].result_count == 3
    images = AccessLog.objects.filter(user=detective, action="reads.image", data_elements__read_id=first.pk)
    assert images.exists() and {log.case_number for log in images} == {"24-001234"}
    assert _requests_outside(browser, live_server) == set()

    # Keep watching for it: a hot-list entry, not a saved search.
    browser.find_element(By.PARTIAL_LINK_TEXT, "Add 7ABC123 to").click()
    assert browser.find_element(By.NAME, "plate").get_attribute("value") == "7ABC123"
    assert browser.find_element(By.NAME, "case_number").get_attribute("value") == "24-001234"
    Select(browser.find_element(By.NAME, "reason")).select_by_value("other")
    browser.find_element(By.NAME, "justification").send_keys("Seen near the robbery scene three times.")
    browser.find_element(By.CSS_SELECTOR, "form.card [type=submit]").click()
    error = wait_for(lambda: browser.find_element(By.CSS_SELECTOR, ".errors, .field-error").text,
                     what="the attestation error")
    assert "attest" in error.lower()
    assert not HotListEntry.objects.exists()
    browser.find_element(By.NAME, "attestation").click()
    browser.find_element(By.CSS_SELECTOR, "form.card [type=submit]").click()
    message = wait_for(lambda: browser.find_element(By.CSS_SELECTOR, "ul.messages").text, what="the entry added")
    assert "7ABC123 added" in message
    entry = HotListEntry.objects.get()
    assert (entry.plate_pattern, entry.case_number, entry.attested_by) == ("7ABC123", "24-001234", detective)


def test_the_investigator_puts_selected_reads_on_an_evidence_hold_from_the_results(live_server, browser, log_in,
                                                                                  agency, detective, boss):
    """R-RET-3: reads ticked in the results go to the hold request with the search's case number and purpose; the
    request is the holds service's (logged, waiting for the supervisor)."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    harbor = make_camera(agency)
    chosen = [_read_at(harbor, HARBOR, plate="7ABC123", days_ago=days) for days in (1, 2)]
    other = _read_at(harbor, HARBOR, plate="7ABC123", days_ago=3)

    log_in(detective, quote("/reads/?plate=7ABC123&purpose=prosecution&case_number=24-004417"))
    table = wait_for(lambda: browser.find_element(By.CSS_SELECTOR, "table.reads"), what="the results")
    assert {f"#{read.pk}" for read in [*chosen, other]} <= set(table.text.split())  # the read numbers are shown
    for read in chosen:
        table.find_element(By.CSS_SELECTOR, f"input[name=read][value='{read.pk}']").click()
    browser.find_element(By.ID, "hold-selected").click()

    wait_for(lambda: "/holds/new/" in browser.current_url, what="the hold request form")
    assert browser.find_element(By.NAME, "case_number").get_attribute("value") == "24-004417"
    assert Select(browser.find_element(By.NAME, "purpose")).first_selected_option.get_attribute("value") == (
        "prosecution")
    assert browser.find_element(By.CSS_SELECTOR, "input[name=scope_kind][value=reads]").is_selected()
    selected = browser.find_element(By.NAME, "read_ids").get_attribute("value")
    assert sorted(int(part) for part in selected.split(",")) == sorted(read.pk for read in chosen)
    Select(browser.find_element(By.NAME, "ground")).select_by_value("evidence")
    browser.find_element(By.NAME, "reason").send_keys("Getaway car in the Harbor Blvd robbery.")
    browser.find_element(By.NAME, "contact").send_keys("(555) 010-4417")
    browser.find_element(By.CSS_SELECTOR, "form.hold-form [type=submit]").click()

    message = wait_for(lambda: browser.find_element(By.CSS_SELECTOR, "ul.messages").text, what="the hold requested")
    assert "2 read(s) are protected" in message
    hold = EvidenceHold.objects.get()
    assert (hold.case_number, hold.purpose, hold.approver) == ("24-004417", "prosecution", boss)
    assert sorted(hold.held_reads.values_list("read_id", flat=True)) == sorted(read.pk for read in chosen)
    logs = list(AccessLog.objects.filter(user=detective).order_by("seq").values_list(
        "action", "purpose", "case_number", "result_count"))
    assert logs == [("reads.search", "prosecution", "24-004417", 3), ("holds.request", "prosecution", "24-004417", 2),
                    ("holds.view", "prosecution", "24-004417", 2)]  # the search, the request, the hold's own page


def test_the_administrator_places_a_new_fixed_camera_on_the_map(live_server, browser, log_in, agency, make_user):
    """The camera admin's picker fills latitude and longitude from a click on the map (typing still works); the
    camera is created by the camera service with that position."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    from apps.reads.models import Camera

    admin_user = make_user(Role.SYSADMIN, agency=agency, is_staff=True)
    log_in(admin_user, "/admin/reads/camera/add/")
    browser.find_element(By.NAME, "name").send_keys("Pacific Coast Hwy at Main")
    Select(browser.find_element(By.NAME, "kind")).select_by_value("fixed")
    Select(browser.find_element(By.NAME, "agency")).select_by_value(str(agency.pk))
    browser.find_element(By.NAME, "commissioned_at_0").send_keys(timezone.localdate().isoformat())
    browser.find_element(By.NAME, "commissioned_at_1").send_keys("00:00:00")
    picker = _map_ready(browser, "camera-picker")
    browser.execute_script("arguments[0].portalMap.setView(arguments[1], 12, {animate: false});", picker,
                           [33.66, -118.0])
    _click_on_map(browser, picker, (33.6565, -118.0015))
    wait_for(lambda: picker.get_attribute("data-picked"), what="the picked position")
    latitude = float(browser.find_element(By.NAME, "latitude").get_attribute("value"))
    longitude = float(browser.find_element(By.NAME, "longitude").get_attribute("value"))
    assert (latitude, longitude) == (pytest.approx(33.6565, abs=0.001), pytest.approx(-118.0015, abs=0.001))
    browser.find_element(By.NAME, "_save").click()
    wait_for(lambda: "/add/" not in browser.current_url, what="the camera saved")
    camera = Camera.objects.get(name="Pacific Coast Hwy at Main")
    assert (camera.latitude, camera.longitude) == (latitude, longitude)
    assert not AccessLog.objects.exists()  # a camera's position is not read data
