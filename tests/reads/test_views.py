"""Pages: search with purpose and case number, CSV export (logged), read detail, images behind signed links."""

from __future__ import annotations

import csv
import io

from django.urls import reverse
from django.utils import timezone

from apps.audit.models import AccessLog
from apps.audit.services import CASE_NUMBER_REQUIRED, PURPOSE_REQUIRED
from apps.reads.models import Read
from apps.reads.services.ingest import read_batch_ingest
from tests.reads.conftest import SEARCH, b64, iso, jpeg_bytes

SEARCH_URL = reverse("reads:search")


def test_search_page_shows_results_and_logs_first(client, investigator, store_reads):
    store_reads([("7ABC123", 5), ("7ABX123", 6), ("8XYZ789", 7)])
    client.force_login(investigator)
    response = client.get(SEARCH_URL, {"plate": "7AB?123", **SEARCH})
    assert response.status_code == 200
    html = response.content.decode()
    assert "7ABC123" in html and "7ABX123" in html and "8XYZ789" not in html
    row = AccessLog.objects.get()
    assert (row.action, row.result_count, row.data_elements["plate_pattern"]) == ("reads.search", 2, "7AB?123")
    assert f"access #{row.seq}" in html


def test_search_page_without_purpose_or_case_says_what_is_missing(client, investigator, store_reads):
    store_reads([("7ABC123", 5)])
    client.force_login(investigator)
    response = client.get(SEARCH_URL, {"plate": "7ABC123", "purpose": "", "case_number": ""})
    html = response.content.decode()
    assert response.status_code == 200
    assert PURPOSE_REQUIRED in html and CASE_NUMBER_REQUIRED in html
    assert "7ABC123</strong>" not in html
    assert AccessLog.objects.count() == 0


def test_empty_search_page_runs_nothing(client, investigator):
    client.force_login(investigator)
    response = client.get(SEARCH_URL)
    assert response.status_code == 200 and "immigration" not in response.content.decode().lower()
    assert AccessLog.objects.count() == 0


def test_training_gate_blocks_the_search_page(client, lapsed_investigator, store_reads):
    store_reads([("7ABC123", 5)])
    client.force_login(lapsed_investigator)
    response = client.get(SEARCH_URL, {"plate": "7ABC123", **SEARCH})
    assert response.status_code == 302 and response["Location"] == reverse("training:required")
    assert AccessLog.objects.count() == 0


def test_people_without_the_permission_get_403(client, operator, custodian):
    for person in (operator, custodian):
        client.force_login(person)
        assert client.get(SEARCH_URL, {"plate": "7ABC123", **SEARCH}).status_code == 403


def test_csv_export_is_itself_logged(client, investigator, store_reads):
    store_reads([("7ABC123", 5), ("7ABX123", 6)])
    client.force_login(investigator)
    response = client.get(reverse("reads:export"), {"plate": "7AB?123", **SEARCH, "recipient": "internal"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][:2] == ["read_id", "plate"] and {r[1] for r in rows[1:]} == {"7ABC123", "7ABX123"}
    log = AccessLog.objects.get()
    assert (log.action, log.result_count, log.case_number) == ("reads.export", 2, "24-001234")
    assert log.data_elements["format"] == "csv" and log.data_elements["recipient"] == "internal (own agency)"
    assert response["X-Access-Log-Seq"] == str(log.seq)


def test_csv_export_carries_the_vehicle_fields_and_is_logged_as_a_disclosure(client, investigator, camera):
    # R-AUD-1: the vehicle the camera's agent classified (issue #21) is in the export beside the plate, empty when
    # unknown; the export is still its own logged access naming its recipient (R-SHR-8).
    now = timezone.now()
    vehicle = {"make": "Toyota", "model": "Camry", "color": "silver", "body_type": "sedan", "year_min": 2018,
               "year_max": 2021}
    result = read_batch_ingest(camera=camera, items=[
        {"plate": "7ABC123", "captured_at": iso(now), "read_id": "v-1", "vehicle": vehicle},
        {"plate": "7ABC124", "captured_at": iso(now), "read_id": "v-2"}])
    classified, bare = (r.id for r in result.results)
    client.force_login(investigator)
    response = client.get(reverse("reads:export"), {"plate": "7ABC12?", **SEARCH, "recipient": "internal"})
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    vehicle = ("vehicle_make", "vehicle_model", "vehicle_color", "vehicle_type", "vehicle_year_min", "vehicle_year_max")
    by_id = {int(row["read_id"]): tuple(row[field] for field in vehicle) for row in rows}
    assert by_id == {classified: ("toyota", "camry", "silver", "sedan", "2018", "2021"), bare: ("",) * 6}
    log = AccessLog.objects.get()
    assert (log.action, log.result_count, log.data_elements["recipient"]) == ("reads.export", 2,
                                                                               "internal (own agency)")


def test_csv_export_api_is_logged(api_client, investigator, store_reads):
    store_reads([("7ABC123", 5)])
    api_client.force_authenticate(investigator)
    response = api_client.get("/api/v1/reads/export/", {"plate": "7ABC123", **SEARCH, "recipient": "internal"})
    assert response.status_code == 200
    assert AccessLog.objects.get().action == "reads.export"


def test_detail_page_logs_the_view_and_shows_viewers_to_administrators(client, investigator, sysadmin, store_reads):
    (read_id,) = store_reads([("7ABC123", 5)])
    url = reverse("reads:detail", args=[read_id])
    client.force_login(investigator)
    asked = client.get(url)  # without purpose: a form asks for it, nothing is shown or logged
    assert asked.status_code == 200 and AccessLog.objects.count() == 0 and "Plate as read" not in asked.content.decode()
    html = client.get(url, SEARCH).content.decode()
    assert "Plate as read" in html and "Who has viewed this read" not in html
    client.force_login(sysadmin)
    html = client.get(url, {"purpose": "crime_analysis", "case_number": "AUDIT-7"}).content.decode()
    assert "Who has viewed this read" in html and investigator.username in html
    assert AccessLog.objects.filter(action="reads.view").count() == 2


def test_correction_through_the_page_keeps_the_original_visible(client, investigator, store_reads):
    (read_id,) = store_reads([("7ABC123", 5)])
    client.force_login(investigator)
    response = client.post(reverse("reads:correct", args=[read_id]),
                           {"corrected_plate": "7ABC128", "reason": "8 not 3", **SEARCH})
    assert response.status_code == 302
    html = client.get(response["Location"]).content.decode()
    assert "7ABC128" in html and "Original read <code>7ABC123</code>" in html


def test_images_only_through_signed_per_person_links(client, investigator, supervisor, camera, settings):
    result = read_batch_ingest(camera=camera, items=[{"plate": "7ABC123", "captured_at": iso(timezone.now()),
                                                      "plate_crop": b64(jpeg_bytes())}])
    read = Read.objects.get(pk=result.results[0].id)
    client.force_login(investigator)
    html = client.get(SEARCH_URL, {"plate": "7ABC123", **SEARCH}).content.decode()
    start = html.index('src="/reads/') + 5
    link = html[start:html.index('"', start)].replace("&amp;", "&")
    image = client.get(link)
    assert image.status_code == 200 and image["Content-Type"] == "image/jpeg"
    assert image.content[:3] == b"\xff\xd8\xff"
    assert client.get(reverse("reads:image", args=[read.pk, "plate_crop"])).status_code == 403  # unsigned
    client.force_login(supervisor)
    assert client.get(link).status_code == 403  # someone else's link
    assert client.get(settings.MEDIA_URL + read.plate_crop.name).status_code == 404  # media is never served
    Read.objects.filter(pk=read.pk).update(archived_at=timezone.now())
    client.force_login(investigator)
    assert client.get(link).status_code == 404  # archived since: no longer visible
