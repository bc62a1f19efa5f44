"""Writes of imagery OCR (issue #4): upload jobs, the OCR of one photo, and the uploader's review — one module per
concept; callers import the module (no re-exports here).

Flow. ``ocr_job_create`` validates every photo by really decoding it (``decode_image``: byte and pixel limits,
header dimensions checked before decoding, so a decompression bomb never allocates), stores the good ones through
Django's storage API, and records the refused ones as failed items with the reason — all before the transaction
commits; the OCR tasks are enqueued only after commit, so a task never looks for a photo that is not stored.

``ocr_item_process`` is what the task calls for one photo. It is idempotent and safe to rerun after a worker died
mid-photo (tasks acknowledge late): a finished item is a no-op; the read's key on the upload camera is the item's
id (``ocr-item-<id>``), so a rerun after the read was stored finds it (``duplicate``) instead of adding another; and
the read, its alternates, the item's result and the job's counters are written in one transaction under row locks
(item, then job, everywhere), so two runs of one photo at the same time store one read and count it once. A photo
started ``OCR_MAX_ATTEMPTS`` times without finishing (it kills its worker every time) is failed, not retried forever.

Faults. If the broker is down when an upload commits, its photos stay ``queued``; a worker killed mid-photo leaves
it ``processing``. ``ocr_items_recover`` (every few minutes on beat, and when an OCR worker starts) queues both
kinds again once they are older than their thresholds, so every stored photo is read in the end (R-READ-1).

Reads are stored through the reads ingest service (``read_batch_ingest``), the same code path as camera reads, so
validation, out-of-service flagging and hot-list matching (R-HOT-3) apply to uploaded photos too.
"""
