"""Writes to agencies, their adopted policy documents (R-REP-3a), staff acknowledgments of the usage and privacy
policy (R-ACC-7) and the public comment held before the program (R-REP-4)."""

from __future__ import annotations

import hashlib
from datetime import date

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from apps.agencies.models import Agency, PolicyAcknowledgment, PolicyDocument, PublicComment
from apps.audit.services import event_record
from apps.common.errors import ApplicationError


@transaction.atomic
def agency_create(*, actor, name: str, kind: str, government_level: str, state: str, ori: str | None = None,
                  is_deploying_agency: bool = False, notes: str = "") -> Agency:
    """Create an agency (validated by full_clean: one deploying agency, two-letter state, private ≠ government)."""
    agency = Agency(
        name=name, kind=kind, government_level=government_level, state=state.upper(), ori=ori or None,
        is_deploying_agency=is_deploying_agency, notes=notes,
    )
    agency.full_clean()
    agency.save()
    event_record(actor=actor, code="alprportal.agencies.agency.created", target=agency, data={"name": name})
    return agency


@transaction.atomic
def agency_set_ag_flag(*, actor, agency: Agency, flagged: bool, checked_on) -> Agency:
    """Record the result of checking the Attorney General's SB 34 non-compliance list (R-SHR-2)."""
    agency = Agency.objects.select_for_update().get(pk=agency.pk)
    old = agency.ag_noncompliance_flagged
    agency.ag_noncompliance_flagged = flagged
    agency.ag_noncompliance_checked_on = checked_on
    agency.full_clean()
    agency.save(update_fields=["ag_noncompliance_flagged", "ag_noncompliance_checked_on"])
    event_record(
        actor=actor, code="alprportal.agencies.agency.ag_flag_checked", target=agency,
        data={"old": old, "new": flagged, "checked_on": checked_on.isoformat()},
    )
    return agency


POLICY_NOT_PDF = "The document must be a PDF file (it does not start with “%PDF-”)."
POLICY_TOO_LARGE = "The document is {size} bytes; at most {limit} bytes are accepted."
POLICY_EMPTY = "The document is empty."
POLICY_VERSION_EXISTS = "Version {version} of “{title}” is already posted; a revision needs a new version."
POLICY_ACK_NOT_CURRENT = (
    "Version {version} is not the usage and privacy policy in force; acknowledge the version in force (R-ACC-7)."
)
MINUTES_REQUIRED = "Give the minutes of the meeting: a document, a link, or both (R-REP-4)."
POLICY_DOCUMENT_MAX_BYTES = 20 * 1024 * 1024


def pdf_bytes_checked(uploaded) -> tuple[bytes, str]:
    uploaded.seek(0)
    content = uploaded.read()
    if not content:
        raise ApplicationError(POLICY_EMPTY, code="document_empty")
    if len(content) > POLICY_DOCUMENT_MAX_BYTES:
        raise ApplicationError(POLICY_TOO_LARGE.format(size=len(content), limit=POLICY_DOCUMENT_MAX_BYTES),
                               code="document_too_large")
    if not content.lstrip()[:5] == b"%PDF-":
        raise ApplicationError(POLICY_NOT_PDF, code="document_not_pdf")
    return content, hashlib.sha256(content).hexdigest()


@transaction.atomic
def policy_document_publish(*, actor, kind: str, title: str, version: str, effective_on: date, document,
                            change_summary: str = "") -> PolicyDocument:
    """R-REP-3a: post one version of an adopted policy document (a PDF) on the public page.

    The SHA-256 and the size are computed here from the bytes stored, never taken from the client. A version is
    never replaced: posting an existing (kind, title, version) is refused. A new version of the usage and privacy
    policy, once effective, asks every staff member for a new acknowledgment (R-ACC-7).
    """
    title, version = (title or "").strip(), (version or "").strip()
    content, sha256 = pdf_bytes_checked(document)
    if PolicyDocument.objects.filter(kind=kind, title=title, version=version).exists():
        raise ApplicationError(POLICY_VERSION_EXISTS.format(version=version, title=title), code="version_exists")
    name = (getattr(document, "name", "") or "policy.pdf").rsplit("/", 1)[-1]
    record = PolicyDocument(kind=kind, title=title, version=version, effective_on=effective_on,
                            change_summary=change_summary, uploaded_by=actor, sha256=sha256, size_bytes=len(content))
    record.document.save(name if name.lower().endswith(".pdf") else f"{name}.pdf", ContentFile(content), save=False)
    record.full_clean()
    record.save()
    event_record(actor=actor, code="alprportal.agencies.policy_document.published", target=record,
                 data={"kind": kind, "title": title, "version": version, "effective_on": effective_on.isoformat(),
                       "sha256": sha256})
    return record


@transaction.atomic
def policy_acknowledge(*, actor, document: PolicyDocument) -> PolicyAcknowledgment:
    """R-ACC-7: ``actor`` acknowledges the usage and privacy policy version in force. Idempotent: acknowledging it
    again returns the first acknowledgment. Only the version in force can be acknowledged."""
    from apps.agencies.selectors import policy_document_current

    current = policy_document_current()
    if current is None or current.pk != document.pk:
        raise ApplicationError(POLICY_ACK_NOT_CURRENT.format(version=document.version), code="policy_not_current")
    existing = PolicyAcknowledgment.objects.filter(person=actor, document=document).first()
    if existing is not None:
        return existing
    acknowledgment = PolicyAcknowledgment(person=actor, document=document, acknowledged_at=timezone.now())
    acknowledgment.full_clean()
    acknowledgment.save()
    event_record(actor=actor, code="alprportal.agencies.policy.acknowledged", target=document,
                 data={"version": document.version, "sha256": document.sha256})
    return acknowledgment


@transaction.atomic
def public_comment_record(*, actor, governing_body: str, held_on: date, agenda_item: str = "", summary: str = "",
                          minutes_url: str = "", minutes_document=None) -> PublicComment:
    """R-REP-4: record the public comment held before the program began, with its minutes (a PDF, a link, or both;
    the PDF's SHA-256 is computed here)."""
    if not minutes_url and minutes_document is None:
        raise ApplicationError(MINUTES_REQUIRED, code="minutes_required")
    comment = PublicComment(governing_body=(governing_body or "").strip(), held_on=held_on,
                            agenda_item=agenda_item.strip(), summary=summary, minutes_url=minutes_url.strip(),
                            recorded_by=actor)
    if minutes_document is not None:
        content, sha256 = pdf_bytes_checked(minutes_document)
        name = (getattr(minutes_document, "name", "") or "minutes.pdf").rsplit("/", 1)[-1]
        comment.minutes_document.save(name, ContentFile(content), save=False)
        comment.minutes_sha256 = sha256
    comment.full_clean()
    comment.save()
    event_record(actor=actor, code="alprportal.agencies.public_comment.recorded", target=comment,
                 data={"governing_body": comment.governing_body, "held_on": held_on.isoformat()})
    return comment
