"""OCR pages and API: upload through the page, the job page and its status JSON, the photo, review, the training
gate (R-ACC-2), other people's uploads are 404, supervisors' data-quality table."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.accounts.roles import Role
from apps.audit.models import AccessLog
from apps.ocr.choices import ItemStatus, JobStatus, ReviewStatus
from apps.ocr.models import OcrJob
from apps.ocr.services.processing import ocr_item_process
from apps.ocr.services.uploads import PHOTO_REJECTED, ocr_job_create
from apps.reads.models import Read
from tests.conftest import state_access_context
from tests.factories import TrainingRecordFactory
from tests.ocr.conftest import upload

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("ocr_settings")]


@pytest.fixture
def lapsed_investigator(make_user):
    person = make_user(Role.INVESTIGATOR, trained=False)
    TrainingRecordFactory(person=person, completed_on=timezone.localdate() - timedelta(days=500))
    return person


def test_training_gate_blocks_the_upload_page_for_lapsed_people(client, lapsed_investigator):
    client.force_login(lapsed_investigator)
    response = client.get(reverse("ocr:upload"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("training:required"))
    response = client.post(reverse("ocr:upload"), {"photos": [upload("a.jpg", b"x")]})
    assert response.status_code == 302 and response["Location"].startswith(reverse("training:required"))
    assert not OcrJob.objects.exists()


def test_people_without_the_permission_are_refused(client, make_user):
    client.force_login(make_user(Role.OVERSIGHT))
    assert client.get(reverse("ocr:upload")).status_code == 403


def test_upload_through_the_page(client, django_capture_on_commit_callbacks, photo_7abc123, bad_files, uploader,
                                 ocr_engine_loaded):
    client.force_login(uploader)
    assert client.get(reverse("ocr:upload")).status_code == 200
    with django_capture_on_commit_callbacks(execute=False):
        response = client.post(reverse("ocr:upload"), {
            "photos": [upload("good.jpg", photo_7abc123), upload("notes.jpg", bad_files["notes.jpg"])],
            "purpose": "investigative_leads", "case_number": "24-77", "note": "doorbell", "latitude": "33.7",
            "longitude": "-117.9",
        })
    job = OcrJob.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("ocr:job", args=[job.pk])
    assert (job.photo_count, job.failed_count, job.case_number) == (2, 1, "24-77")

    status = client.get(reverse("ocr:job_status", args=[job.pk])).json()
    assert (status["status"], status["photos"], status["finished"], status["progress_percent"]) == ("queued", 2, 1, 50)
    assert [item["status"] for item in status["items"]] == ["queued", "failed"]
    assert status["items"][1]["error"] == PHOTO_REJECTED.format(name="notes.jpg", reason="not a JPEG or PNG image")

    item = job.items.get(position=1)
    ocr_item_process(item_id=item.pk)
    logged = AccessLog.objects.count()
    page = client.get(reverse("ocr:job", args=[job.pk])).content.decode()  # under the upload's purpose (R-AUD-1a)
    assert "7ABC123" in page and "ocr-box-chosen" in page
    row = AccessLog.objects.order_by("-seq").first()
    assert AccessLog.objects.count() == logged + 1 and (row.action, row.purpose, row.case_number) == (
        "ocr.job.view", "investigative_leads", "24-77") and 'src="/static/js/ocr.js"' in page
    assert "style=" not in page and "<script>" not in page  # CSP: no inline style or script
    partial = client.get(reverse("ocr:job", args=[job.pk]), {"partial": "items"}).content.decode()
    assert partial.lstrip().startswith("<article") and "7ABC123" in partial
    status = client.get(reverse("ocr:job_status", args=[job.pk])).json()
    assert status["status"] == JobStatus.DONE and status["items"][0]["read_id"] is not None
    assert "7ABC123" not in json.dumps(status), "the poller gets no plate, so it needs no purpose"

    photo = client.get(reverse("ocr:item_photo", args=[item.pk]))
    assert photo.status_code == 200 and photo["Content-Type"] == "image/jpeg"
    assert AccessLog.objects.order_by("-seq").first().action == "ocr.photo.view"

    response = client.post(reverse("ocr:item_correct", args=[item.pk]),
                           {"corrected_plate": "7A8C123", "reason": "the photo shows 8"})
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.review_status == ReviewStatus.CORRECTED
    read = Read.objects.get(pk=item.read_id)
    assert (read.plate_normalized, read.plate_current) == ("7ABC123", "7A8C123")


def test_an_operator_corrects_the_reading_of_their_own_photo(client, make_user, ocr_engine_loaded, photo_7abc123):
    """Operators may not correct reads in general (no ``reads.correct_read``), but the uploader reviews and corrects
    what OCR made of their own photo (issue #4) — through a correction record, never an edit (R-READ-2)."""
    operator = make_user(Role.OPERATOR)
    assert not operator.has_perm("reads.correct_read")
    job = ocr_job_create(actor=operator, photos=[upload("dashcam.jpg", photo_7abc123)], enqueue=False)
    item = job.items.get()
    ocr_item_process(item_id=item.pk)
    client.force_login(operator)
    state_access_context(client)
    response = client.post(reverse("ocr:item_correct", args=[item.pk]),
                           {"corrected_plate": "7A8C123", "reason": "the photo shows 8"}, follow=True)
    assert response.status_code == 200
    item.refresh_from_db()
    assert item.review_status == ReviewStatus.CORRECTED
    read = Read.objects.get(pk=item.read_id)
    assert (read.plate_normalized, read.plate_current) == ("7ABC123", "7A8C123")
    assert "7A8C123" in response.content.decode() and "corrected from 7ABC123" in response.content.decode()


def test_reviewing_a_photos_plate_needs_the_purpose_and_is_logged(client, make_user, ocr_engine_loaded,
                                                                  photo_7abc123):
    """R-AUD-1a: accepting or correcting answers with the plate ("Plate 7ABC123 accepted."), so without the purpose and
    case number stated for the upload nothing is done or shown; with them each review is logged before it is shown."""
    operator = make_user(Role.OPERATOR)
    job = ocr_job_create(actor=operator, photos=[upload("dashcam.jpg", photo_7abc123)], enqueue=False)
    item = job.items.get()
    ocr_item_process(item_id=item.pk)
    client.force_login(operator)  # a fresh session: no purpose stated
    for name, data in (("ocr:item_accept", {}), ("ocr:item_correct", {"corrected_plate": "7A8C123", "reason": "8"})):
        response = client.post(reverse(name, args=[item.pk]), data)
        shown = " ".join(str(message) for message in response.wsgi_request._messages)
        assert "7ABC123" not in shown and "purpose and case number" in shown
    item.refresh_from_db()
    assert item.review_status == ReviewStatus.PENDING and Read.objects.get(pk=item.read_id).plate_current == "7ABC123"
    assert not AccessLog.objects.filter(action__in=["ocr.item.accept", "ocr.item.correct", "reads.correct"]).exists()

    state_access_context(client)
    client.post(reverse("ocr:item_accept", args=[item.pk]))
    # "correcting" to the plate it has is refused with that plate in the message: logged all the same
    response = client.post(reverse("ocr:item_correct", args=[item.pk]), {"corrected_plate": "7ABC123", "reason": "?"})
    assert "7ABC123" in " ".join(str(message) for message in response.wsgi_request._messages)
    client.post(reverse("ocr:item_correct", args=[item.pk]), {"corrected_plate": "7A8C123", "reason": "the photo: 8"})
    item.refresh_from_db()
    assert item.review_status == ReviewStatus.CORRECTED
    actions = ["ocr.item.accept", "ocr.item.correct", "reads.correct"]
    assert list(AccessLog.objects.filter(action__in=actions).order_by("seq").values_list(
        "action", "data_elements__read_id")) == [("ocr.item.accept", item.read_id), ("ocr.item.correct", item.read_id),
                                                 ("ocr.item.correct", item.read_id), ("reads.correct", item.read_id)]


def test_other_peoples_uploads_are_404(client, make_user, uploader, photo_7abc123):
    job = ocr_job_create(actor=uploader, photos=[upload("a.jpg", photo_7abc123)], enqueue=False)
    item = job.items.get()
    other = make_user(Role.SUPERVISOR)
    client.force_login(other)
    assert client.get(reverse("ocr:job", args=[job.pk])).status_code == 404
    assert client.get(reverse("ocr:job_status", args=[job.pk])).status_code == 404
    assert client.get(reverse("ocr:item_photo", args=[item.pk])).status_code == 404
    assert client.post(reverse("ocr:item_accept", args=[item.pk])).status_code == 404
    overview = client.get(reverse("ocr:upload"))
    assert overview.status_code == 200 and f"#{job.pk}" in overview.content.decode()  # bookkeeping only
    assert "Data quality" in overview.content.decode()


def test_api_upload_list_and_detail(api_client, uploader, photo_7abc123, bad_files, ocr_engine_loaded):
    api_client.force_authenticate(uploader)
    response = api_client.post(reverse("api:ocr-jobs"), {
        "photos": [upload("a.jpg", photo_7abc123), upload("empty.jpg", b"")], "case_number": "24-9",
    }, format="multipart")
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["photo_count"], body["failed_count"], body["status"]) == (2, 1, "queued")
    assert body["items"][1]["error"] == PHOTO_REJECTED.format(name="empty.jpg", reason="empty file")
    ocr_item_process(item_id=body["items"][0]["id"])
    refused = api_client.get(reverse("api:ocr-job-detail", args=[body["id"]]))  # R-AUD-1a: no purpose, no plate
    assert refused.status_code == 400 and "7ABC123" not in refused.content.decode()
    detail = api_client.get(reverse("api:ocr-job-detail", args=[body["id"]]),
                            {"purpose": "investigative_leads", "case_number": "24-9"}).json()
    assert detail["status"] == "done" and detail["items"][0]["plate"] == "7ABC123"
    assert detail["items"][0]["status"] == ItemStatus.DONE and detail["items"][0]["alternates"]
    assert [job["id"] for job in api_client.get(reverse("api:ocr-jobs")).json()] == [body["id"]]


def test_api_refuses_without_upload_data_and_for_others(api_client, make_user, uploader, photo_7abc123):
    api_client.force_authenticate(uploader)
    response = api_client.post(reverse("api:ocr-jobs"), {"case_number": "1"}, format="multipart")
    assert response.status_code == 400
    job = ocr_job_create(actor=uploader, photos=[upload("a.jpg", photo_7abc123)], enqueue=False)
    api_client.force_authenticate(make_user(Role.INVESTIGATOR))
    assert api_client.get(reverse("api:ocr-job-detail", args=[job.pk]),
                          {"purpose": "investigative_leads", "case_number": "1"}).status_code == 404


def test_readings_of_one_place_share_one_labelled_box_on_the_photo(client, uploader, photo_7abc123,
                                                                   ocr_engine_loaded):
    """Alternates read from (nearly) the plate's own box are drawn as one box labelled "1. PLATE (+n)", not as
    labels printed on top of each other; a reading elsewhere in the photo keeps its own box."""
    job = ocr_job_create(actor=uploader, photos=[upload("a.jpg", photo_7abc123)], enqueue=False)
    item = ocr_item_process(item_id=job.items.get().pk)
    x, y, w, h = item.candidates[0]["box"]
    item.candidates = [item.candidates[0],
                       {**item.candidates[0], "text": "7A8C123", "confidence": 0.4, "box": [x + 2, y + 1, w - 3, h]},
                       {**item.candidates[0], "text": "CALIF0RNIA", "confidence": 0.1, "box": [0, 0, 60, 20]}]
    item.save(update_fields=["candidates"])
    client.force_login(uploader)
    state_access_context(client)
    page = client.get(reverse("ocr:job", args=[job.pk])).content.decode()
    assert page.count('<rect class="ocr-box') == 2
    assert ">1. 7ABC123 (+1)</text>" in page and ">3. CALIF0RNIA</text>" in page
    assert "<title>1. 7ABC123 (" in page and "; 2. 7A8C123 (0.40)</title>" in page


def test_labels_on_the_photo_never_cover_each_other(client, uploader, photo_7abc123, ocr_engine_loaded):
    """A reading of a larger region around the plate (a frame, the whole plate) would print its label over the
    plate's: it goes below its box, and off the photo when there is no room (still in the tooltip and the list)."""
    job = ocr_job_create(actor=uploader, photos=[upload("a.jpg", photo_7abc123)], enqueue=False)
    item = ocr_item_process(item_id=job.items.get().pk)
    x, y, w, h = item.candidates[0]["box"]
    around = [x - 6, y - 4, int(w * 1.6), int(h * 1.8)]  # overlaps the plate's box too little to share it
    item.candidates = [item.candidates[0], {**item.candidates[0], "text": "E030", "box": around},
                       {**item.candidates[0], "text": "E03", "box": [x, y, w // 3, int(h * 1.8) - 4]}]
    item.save(update_fields=["candidates"])
    client.force_login(uploader)
    state_access_context(client)
    page = client.get(reverse("ocr:job", args=[job.pk])).content.decode()
    label = re.compile(r'<text class="ocr-label[^"]*" x="\d+" y="(-?\d+)"[^>]*>([^<]+)<')
    labels = {text: int(y_) for y_, text in label.findall(page)}
    assert page.count('<rect class="ocr-box') == 3
    assert labels["1. 7ABC123"] < y < labels["2. E030"]  # the plate's label above its box, the other one below
    assert "3. E03" not in labels and "<title>3. E03 (" in page  # no room left: tooltip only
