"""Helpers shared by the sharing tests (agreements and disclosures): real documents and agreements in force."""

from __future__ import annotations

import io
from datetime import date, timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image
from pypdf import PdfWriter

from apps.agreements.choices import AGREEMENT_TERMS
from apps.agreements.services.drafts import agreement_create
from apps.agreements.services.lifecycle import agreement_activate


def pdf_bytes(pages: int = 1) -> bytes:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=612, height=792)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def image_bytes(kind: str = "PNG", size=(40, 30)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (120, 160, 200)).save(buffer, format=kind)
    return buffer.getvalue()


def upload(content: bytes, name: str = "document.pdf", content_type: str = "application/pdf"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def pdf_upload(name: str = "document.pdf"):
    return upload(pdf_bytes(), name)


def all_terms() -> dict[str, bool]:
    return {f"{side}_attests_{term}": True for side in ("partner", "agency") for term in AGREEMENT_TERMS}


def signatories(day: date) -> list[dict]:
    return [{"side": "ours", "name": "Sheriff Luna", "title": "Sheriff", "signed_on": day},
            {"side": "partner", "name": "Chief Ruiz", "title": "Chief of Police", "signed_on": day}]


def draft_agreement(*, actor, agency, start: date | None = None, days: int = 365, document: bool = True, **extra):
    start = start or timezone.localdate() - timedelta(days=10)
    return agreement_create(
        actor=actor, partner_agency=agency, title=extra.pop("title", "Sharing agreement"), start_date=start,
        sunset_date=start + timedelta(days=days), signed_document=pdf_upload() if document else None,
        attestations=extra.pop("attestations", all_terms()), signatories=extra.pop("signatories", signatories(start)),
        **extra,
    )


def active_agreement(*, actor, agency, start: date | None = None, days: int = 365, **extra):
    agreement = draft_agreement(actor=actor, agency=agency, start=start, days=days, **extra)
    return agreement_activate(actor=actor, agreement=agreement, today=agreement.start_date)
