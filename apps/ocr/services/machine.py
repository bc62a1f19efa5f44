"""Status moves of OCR jobs and items, checked against their transition maps."""

from __future__ import annotations

from apps.common.errors import ApplicationError
from apps.ocr.choices import ITEM_TRANSITIONS, JOB_TRANSITIONS
from apps.ocr.models import OcrItem, OcrJob

STATUS_ILLEGAL = "An OCR {what} cannot go from {old} to {new}."


def ocr_job_move(job: OcrJob, new: str) -> None:
    if new not in JOB_TRANSITIONS[job.status]:
        raise ApplicationError(STATUS_ILLEGAL.format(what="job", old=job.status, new=new), code="status_illegal")
    job.status = new


def ocr_item_move(item: OcrItem, new: str) -> None:
    if new not in ITEM_TRANSITIONS[item.status]:
        raise ApplicationError(STATUS_ILLEGAL.format(what="photo", old=item.status, new=new), code="status_illegal")
    item.status = new
