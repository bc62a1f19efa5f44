"""Documents attached to a disclosure request: validated before anything is stored."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.files.base import ContentFile

from apps.agreements.documents import ValidDocument, document_validate
from apps.common.errors import ApplicationError
from apps.disclosures.choices import AttachmentKind
from apps.disclosures.models import DisclosureAttachment


def disclosure_attachments_validate(
        attachments: Iterable[tuple[str, object]]) -> list[tuple[str, object, ValidDocument]]:
    checked = []
    for kind, upload in attachments:
        if upload is None:
            continue
        if kind not in AttachmentKind.values:
            raise ApplicationError(f"Unknown attachment kind “{kind}”.", code="unknown_attachment_kind")
        checked.append((kind, upload, document_validate(upload, field=AttachmentKind(kind).label.lower())))
    return checked


def disclosure_attachment_store(disclosure_request, *, kind: str, upload, document: ValidDocument, actor):
    original = (getattr(upload, "name", "") or f"{kind}.{document.extension}").rsplit("/", 1)[-1][:200]
    attachment = DisclosureAttachment(
        request=disclosure_request, kind=kind, original_name=original, content_type=document.content_type,
        size=len(document.content), sha256=document.sha256, uploaded_by=actor,
    )
    attachment.file.save(f"upload.{document.extension}", ContentFile(document.content), save=False)
    attachment.full_clean()
    attachment.save()
    return attachment
