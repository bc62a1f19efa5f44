"""States of upload jobs, their photos and the review of a photo's plate, with the allowed moves."""

from django.db import models


class JobStatus(models.TextChoices):
    """An upload job: queued until a worker starts one of its photos; done when every photo is finished and at least
    one could be read; failed when none could (the reason says why)."""

    QUEUED = "queued", "Queued"
    PROCESSING = "processing", "Processing"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


JOB_TRANSITIONS: dict[str, frozenset[str]] = {
    JobStatus.QUEUED: frozenset({JobStatus.PROCESSING, JobStatus.DONE, JobStatus.FAILED}),
    JobStatus.PROCESSING: frozenset({JobStatus.DONE, JobStatus.FAILED}),
    JobStatus.DONE: frozenset(),
    JobStatus.FAILED: frozenset(),
}


class ItemStatus(models.TextChoices):
    """One photo of a job. A photo refused at upload (not an image, too big, a decompression bomb) is failed at
    once and never stored; a stored photo is queued for OCR. ``processing`` may be re-entered by a rerun after a
    worker died (acks late); done and failed are final."""

    QUEUED = "queued", "Queued"
    PROCESSING = "processing", "Processing"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


ITEM_TRANSITIONS: dict[str, frozenset[str]] = {
    ItemStatus.QUEUED: frozenset({ItemStatus.PROCESSING, ItemStatus.FAILED}),
    ItemStatus.PROCESSING: frozenset({ItemStatus.PROCESSING, ItemStatus.DONE, ItemStatus.FAILED}),
    ItemStatus.DONE: frozenset(),
    ItemStatus.FAILED: frozenset(),
}

ITEM_FINISHED = frozenset({ItemStatus.DONE, ItemStatus.FAILED})
JOB_FINISHED = frozenset({JobStatus.DONE, JobStatus.FAILED})


class ReviewStatus(models.TextChoices):
    """The uploader's review of the plate OCR chose (R-READ-2: a correction is a ReadCorrection, never an edit)."""

    PENDING = "pending", "Not reviewed"
    ACCEPTED = "accepted", "Accepted"
    CORRECTED = "corrected", "Corrected"


REVIEW_TRANSITIONS: dict[str, frozenset[str]] = {
    ReviewStatus.PENDING: frozenset({ReviewStatus.ACCEPTED, ReviewStatus.CORRECTED}),
    ReviewStatus.ACCEPTED: frozenset({ReviewStatus.CORRECTED}),
    ReviewStatus.CORRECTED: frozenset({ReviewStatus.CORRECTED}),
}
