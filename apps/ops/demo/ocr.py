"""Demo data of imagery OCR: one finished upload job of two generated photos (``manage.py seed_demo``): a plate that
is read, and a doorbell still with no plate in it, only the camera's burnt-in time stamp, on which OCR abstains
("no plate read", its candidates listed for the reviewer; issue #16)."""

from __future__ import annotations

from apps.ocr.models import OcrJob
from apps.ocr.services.processing import ocr_item_process
from apps.ocr.services.uploads import UploadedPhoto, ocr_job_create
from apps.ocr.synthetic import plate_photo_jpeg

DEMO_NOTE = "Demo: generated photo of a plate (witness's phone)"
DEMO_PLATE = "7ABC123"  # one of the demo's recurring plates, so the read joins the search demo


def seed_ocr(*, people: dict, stdout=None) -> OcrJob | None:
    """One finished upload by the demo investigator: the photo is OCR'd right here (no worker needed). Safe to run
    again (skipped when the demo job exists)."""
    uploader = people.get("investigator")
    if uploader is None:
        return None
    existing = OcrJob.objects.filter(uploaded_by=uploader, note=DEMO_NOTE).first()
    if existing is not None:
        return existing
    photos = [UploadedPhoto(name="witness-phone.jpg", content=plate_photo_jpeg(DEMO_PLATE, angle=3.0, seed=4)),
              UploadedPhoto(name="doorbell-no-plate.jpg",
                            content=plate_photo_jpeg(None, seed=3, stamp="20140513223916", stamp_size=1.1))]
    job = ocr_job_create(actor=uploader, photos=photos, case_number="24-000123", note=DEMO_NOTE, enqueue=False)
    for item in job.items.all():
        ocr_item_process(item_id=item.pk)
    job.refresh_from_db()
    if stdout is not None:
        stdout.write(f"OCR demo: upload #{job.pk} {job.get_status_display().lower()}, {job.reads_count} read(s).")
    return job
