"""OCR's part in the misread-tolerant search (R-READ-4): the alternates OCR proposed for a read's photo and the
candidates a camera agent sent (issue #21) are other texts the read was known by. Registered with reads in
``OcrConfig.ready`` (``apps.reads.hooks``), so reads needs no knowledge of OCR's tables."""

from __future__ import annotations

from django.db import connection

from apps.ocr.models import ReadAlternate
from apps.reads.hooks import AlternateTextsSource, CameraCandidate, alternate_texts_source_register


def read_alternates_table() -> str:
    return connection.ops.quote_name(ReadAlternate._meta.db_table)


def read_alternates_notes(read_ids: list[int]) -> list[tuple[str, list[tuple[int, str]]]]:
    rows = (ReadAlternate.objects.filter(read_id__in=read_ids).order_by("read_id", "rank")
            .values_list("read_id", "text", "source"))
    # marked with their source: the portal's OCR of a photo, or the camera agent's own candidates (issue #21)
    return [
        ("matched an alternate ({text})",
         [(r, t) for r, t, source in rows if source != ReadAlternate.SOURCE_CAMERA]),
        ("matched a camera candidate ({text})",
         [(r, t) for r, t, source in rows if source == ReadAlternate.SOURCE_CAMERA]),
    ]


def camera_candidates_store(rows: list[CameraCandidate]) -> None:
    """The camera's candidate plates of new reads, as alternates marked ``camera``; in the ingest transaction."""
    ReadAlternate.objects.bulk_create([
        ReadAlternate(read_id=row.read_id, text=row.text, confidence=row.confidence, box=row.box, rank=row.rank,
                      engine_version=f"agent {row.agent_version}".strip(), source=ReadAlternate.SOURCE_CAMERA)
        for row in rows
    ])


def register() -> None:
    alternate_texts_source_register(AlternateTextsSource(
        key="ocr.alternates", table=read_alternates_table, column="text", notes=read_alternates_notes,
        camera_candidates_store=camera_candidates_store))
