"""Maps and a plate's story (issue #17): the points are part of the logged page (no side door), the views of one
search (list, grouped by plate, a plate's story) are each one logged search, and the tile server is the only outside
origin a page may load images from."""

from __future__ import annotations

import json
import re
from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from apps.audit.models import AccessLog
from apps.common.middleware import CSP, csp_with_map_tiles
from apps.reads.models import Read
from apps.reads.presenters import duration_text, plate_story, reads_sorted
from tests.reads.conftest import SEARCH

SEARCH_URL = reverse("reads:search")


def _points(html: str, element_id: str) -> list[dict]:
    match = re.search(rf'<script id="{element_id}" type="application/json">(.*?)</script>', html, re.S)
    assert match, f"no {element_id} block"
    return json.loads(match.group(1))


def test_the_results_map_points_are_embedded_in_the_logged_page(client, investigator, store_reads, other_camera):
    """R-READ-3: the map's data comes with the search page, after its access-log row; no other request returns it."""
    store_reads([("7ABC123", 5), ("7ABD129", 6)])
    store_reads([("7ABX124", 7)], on=other_camera)
    client.force_login(investigator)
    html = client.get(SEARCH_URL, {"plate": "7AB*", **SEARCH}).content.decode()
    points = _points(html, "results-points")
    assert {(p["plate"], p["camera"], p["lat"], p["lon"]) for p in points} == {
        ("7ABC123", "Harbor Blvd NB", 33.77, -117.92), ("7ABD129", "Harbor Blvd NB", 33.77, -117.92),
        ("7ABX124", "Main St EB", 34.05, -118.25)}  # a fixed camera's position when the read has no GPS
    assert all(p["url"].endswith("?purpose=investigative_leads&case_number=24-001234") for p in points)
    assert 'id="results-map"' in html and "vendor/leaflet/leaflet.js" in html
    assert AccessLog.objects.filter(action="reads.search").count() == 1


def test_no_map_without_a_logged_search(client, investigator, store_reads):
    store_reads([("7ABC123", 5)])
    client.force_login(investigator)
    html = client.get(SEARCH_URL, {"plate": "7ABC123", "purpose": "", "case_number": ""}).content.decode()
    assert "results-points" not in html and "7ABC123</strong>" not in html
    assert 'id="area-map"' in html  # the drawing map of the form itself carries no read data
    assert not AccessLog.objects.exists()


def test_grouped_by_plate_then_a_plates_story_each_one_logged_search(client, investigator, store_reads,
                                                                     other_camera):
    store_reads([("7ABC123", 60 * 48), ("7ABC123", 60 * 47)])
    store_reads([("7ABC123", 60 * 24), ("7ABD129", 30)], on=other_camera)
    client.force_login(investigator)
    html = client.get(SEARCH_URL, {"plate": "7AB*", "view": "plates", **SEARCH}).content.decode()
    assert re.search(r'data-plate="7ABC123"><td><strong class="plate">7ABC123</strong></td><td>3</td>', html)
    assert "Harbor Blvd NB → Main St EB" in html
    story_link = re.search(r'href="\?([^"]*plate=7ABC123[^"]*view=story)"', html).group(1).replace("&amp;", "&")

    html = client.get(f"{SEARCH_URL}?{story_link}").content.decode()
    timeline = re.findall(r'<li class="visit" data-camera="([^"]+)"', html)
    assert timeline == ["Harbor Blvd NB", "Main St EB"]
    assert re.findall(r'<li class="gap"[^>]*><span>([^<]+)</span>', html) == ["23 h later"]
    assert len(_points(html, "story-points")) == 3 and "7ABD129" not in html
    logs = list(AccessLog.objects.order_by("seq"))
    assert [(log.action, log.data_elements["plate_pattern"], log.result_count) for log in logs] == [
        ("reads.search", "7AB*", 4), ("reads.search", "7ABC123", 3)]


def test_a_story_needs_a_full_plate(client, investigator, store_reads):
    store_reads([("7ABC123", 5)])
    client.force_login(investigator)
    response = client.get(SEARCH_URL, {"plate": "7AB*", "view": "story", **SEARCH}, follow=True)
    html = response.content.decode()
    assert "A plate&#x27;s story needs a full plate" in html and 'id="plate-groups"' in html
    assert 'id="plate-story"' not in html


def test_the_story_sorts_and_offers_a_hot_list_entry(client, investigator, supervisor, store_reads):
    from apps.hotlists.services.lists import hot_list_create

    ids = store_reads([("7ABC123", 30), ("7ABC123", 20), ("7ABC123", 10)])
    own = hot_list_create(actor=supervisor, name="Bureau watch", source="own", owner=supervisor,
                          default_entry_days=30)
    client.force_login(investigator)
    html = client.get(SEARCH_URL, {"plate": "7ABC123", "view": "story", "sort": "-time", **SEARCH}).content.decode()
    order = [int(n) for n in re.findall(r'<tr data-read="(\d+)">', html)]
    assert order == sorted(ids, reverse=True)
    assert reverse("hotlists:entry_add", args=[own.pk]) + "?plate=7ABC123&amp;case_number=24-001234" in html


def test_presenters_order_the_story_and_say_gaps_as_people_do(camera, store_reads):
    ids = store_reads([("7ABC123", 60 * 30), ("7ABC123", 90), ("7ABC123", 60)])
    reads = list(Read.objects.filter(pk__in=ids).select_related("camera"))
    story = plate_story(plate="7ABC123", reads=reads)
    assert [read.pk for read in story.reads] == ids and len(story.visits) == 1  # one camera, one visit
    assert story.visits[0].count == 3 and story.longest_gap is None
    assert [duration_text(timedelta(seconds=s)) for s in (40, 720, 8100, 3 * 86400 + 4 * 3600, 86400)] == [
        "40 s", "12 min", "2 h 15 min", "3 d 4 h", "1 d"]
    now = timezone.now()
    for read, confidence in zip(reads, (70.0, 95.0, 80.0), strict=True):
        read.confidence = confidence  # in memory only: originals are immutable (R-READ-2)
    assert [r.confidence for r in reads_sorted(reads, sort="confidence")] == [95.0, 80.0, 70.0]
    assert reads_sorted(reads, sort="nonsense")[0].captured_at <= now


def test_the_read_detail_shows_where_it_was_captured(client, investigator, store_reads):
    [read_id] = store_reads([("7ABC123", 5)])
    client.force_login(investigator)
    html = client.get(reverse("reads:detail", args=[read_id]), SEARCH).content.decode()
    assert [(p["id"], p["lat"]) for p in _points(html, "read-points")] == [(read_id, 33.77)]
    assert AccessLog.objects.get().action == "reads.view"
    html = client.get(reverse("reads:detail", args=[read_id])).content.decode()  # no purpose: no read, no map
    assert "read-points" not in html


def test_cameras_page_and_the_admin_show_fixed_cameras_and_the_position_picker(client, sysadmin, camera):
    client.force_login(sysadmin)
    html = client.get(reverse("reads:cameras")).content.decode()
    assert [(p["camera"], p["lat"], p["lon"]) for p in _points(html, "camera-points")] == [
        ("Harbor Blvd NB", 33.77, -117.92)]
    html = client.get(reverse("admin:reads_camera_change", args=[camera.pk])).content.decode()
    assert 'data-mode="picker"' in html and 'data-lat-input="id_latitude"' in html
    html = client.get(reverse("admin:reads_camera_changelist")).content.decode()
    assert len(_points(html, "camera-points")) == 1


def test_the_tile_server_is_the_only_outside_origin_for_images(settings, client, investigator):
    settings.MAP_TILE_URL = ""
    assert csp_with_map_tiles(CSP) == CSP
    settings.MAP_TILE_URL = "https://tiles.example.gov/osm/{z}/{x}/{y}.png"
    policy = csp_with_map_tiles(CSP)
    assert "img-src 'self' data: https://tiles.example.gov;" in policy and "script-src 'self';" in policy
    settings.MAP_TILE_URL = "javascript:alert(1)"
    assert csp_with_map_tiles(CSP) == CSP
    settings.MAP_TILE_URL = "https://tiles.example.gov/osm/{z}/{x}/{y}.png"
    client.force_login(investigator)
    response = client.get(SEARCH_URL)
    assert "https://tiles.example.gov;" in response["Content-Security-Policy"]
    assert 'data-tile-url="https://tiles.example.gov/osm/{z}/{x}/{y}.png"' in response.content.decode()


def test_the_story_shows_the_images_of_its_latest_twelve_sightings_only(client, investigator, camera):
    """R-SEC-2: every image shown is an access-log row that counts towards the unusual-volume alert, so a story shows
    a bounded gallery and no crops in its table."""
    from apps.reads.services.ingest import read_batch_ingest
    from tests.reads.conftest import b64, iso, jpeg_bytes

    now = timezone.now()
    result = read_batch_ingest(camera=camera, items=[
        {"plate": "7ABC123", "captured_at": iso(now - timedelta(minutes=minutes)), "read_id": f"g-{minutes}",
         "plate_crop": b64(jpeg_bytes()), "vehicle_image": b64(jpeg_bytes())} for minutes in range(5, 20)])
    assert result.rejected == 0
    client.force_login(investigator)
    html = client.get(SEARCH_URL, {"plate": "7ABC123", "view": "story", **SEARCH}).content.decode()
    gallery = html[html.index('id="story-gallery"'):html.index("</section>", html.index('id="story-gallery"'))]
    assert gallery.count("<figure>") == 12 and gallery.count("/image/vehicle_image/") == 12
    assert html.count("/image/") == 24 and 'class="thumb"' not in html
