"""Reads about agencies, chiefly R-SHR-1 eligibility."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.utils import timezone

from apps.agencies.choices import AgencyKind, GovernmentLevel
from apps.agencies.models import Agency, PolicyAcknowledgment, PolicyDocument, PolicyDocumentKind, PublicComment

REASON_NOT_CALIFORNIA = (
    "{agency} is not a California agency ({state}); ALPR data may be shared only with California public "
    "agencies (Civ. Code § 1798.90.55(b); Attorney General bulletin 2023-DLE-06)."
)
REASON_FEDERAL = (
    "{agency} is a federal agency; the Attorney General reads “public agency” in Civ. Code § 1798.90.5(f) as "
    "a California state or local agency, so federal agencies may not receive ALPR data."
)
REASON_PRIVATE = (
    "{agency} is a private or commercial entity; ALPR data may not be sold, shared or transferred to it "
    "(Civ. Code § 1798.90.55(b))."
)
REASON_NOT_LAW_ENFORCEMENT = (
    "{agency} is a public agency but neither a law-enforcement nor a prosecutorial agency. ALPR data is shared only "
    "with law-enforcement and prosecutorial agencies for official law-enforcement purposes (Policy 462.7, 471.7, "
    "427.6); a request from another public agency is processed through the records-release path (Records "
    "Maintenance and Release Policy, Civ. Code § 1798.90.55), which this agency has not turned on (R-SHR-1a)."
)
REASON_FLAGGED = (
    "{agency} is listed by the California Attorney General as not complying with SB 34 (Civ. Code §§ 1798.90.5–55)."
)


SHARING_PATH = "sharing"
RECORDS_RELEASE_PATH = "records_release"
RECEIVING_KINDS = (AgencyKind.LAW_ENFORCEMENT, AgencyKind.PROSECUTORIAL)


@dataclass(frozen=True)
class Eligibility:
    """Whether an agency may receive ALPR data, and every reason it may not, in words fit for a letter. ``path``:
    ``sharing`` (a law-enforcement or prosecutorial agency) or ``records_release`` (another public agency, when the
    deploying agency turned that path on, R-SHR-1a)."""

    eligible: bool
    reasons: list[str] = field(default_factory=list)
    path: str = SHARING_PATH


def records_release_enabled() -> bool:
    """R-SHR-1a: the deploying agency's setting (off when there is no deploying agency)."""
    return Agency.objects.filter(is_deploying_agency=True, records_release_enabled=True).exists()


def agency_receive_eligibility(*, agency: Agency) -> Eligibility:
    """R-SHR-1: may ``agency`` receive ALPR data? A California public agency not flagged by the AG.

    R-SHR-1a: by default only a law-enforcement or prosecutorial agency; another public agency only through the
    records-release path, when the deploying agency turned it on (``path`` says which path applies)."""
    reasons: list[str] = []
    path = SHARING_PATH
    if agency.kind == AgencyKind.PRIVATE or agency.government_level == GovernmentLevel.NONE:
        reasons.append(REASON_PRIVATE.format(agency=agency.name))
    elif agency.kind not in RECEIVING_KINDS:
        path = RECORDS_RELEASE_PATH
        if not records_release_enabled():
            reasons.append(REASON_NOT_LAW_ENFORCEMENT.format(agency=agency.name))
    if agency.state != "CA":
        reasons.append(REASON_NOT_CALIFORNIA.format(agency=agency.name, state=agency.state))
    if agency.government_level == GovernmentLevel.FEDERAL:
        reasons.append(REASON_FEDERAL.format(agency=agency.name))
    if agency.ag_noncompliance_flagged:
        reasons.append(REASON_FLAGGED.format(agency=agency.name))
    return Eligibility(eligible=not reasons, reasons=reasons, path=path)


def agency_get_deploying() -> Agency | None:
    return Agency.objects.filter(is_deploying_agency=True).first()


POLICY_NOT_ACKNOWLEDGED = (
    "You have not acknowledged the usage and privacy policy in force: “{title}”, version {version}, effective "
    "{effective_on:%B %-d, %Y}. Read it and acknowledge it before touching ALPR data (R-ACC-7)."
)


def policy_document_current(*, kind: str = PolicyDocumentKind.USAGE_PRIVACY, today: date | None = None):
    """The version of ``kind`` in force today: the latest effective on or before today (R-ACC-7, R-REP-3a)."""
    today = today or timezone.localdate()
    return PolicyDocument.objects.filter(kind=kind, effective_on__lte=today).order_by("-effective_on", "-id").first()


def policy_acknowledgment_pending_for(*, user, today: date | None = None):
    """R-ACC-7: the usage and privacy policy version in force that ``user`` has not acknowledged yet, or None (also
    None while no version has been posted: there is nothing to acknowledge)."""
    current = policy_document_current(today=today)
    if current is None or PolicyAcknowledgment.objects.filter(person=user, document=current).exists():
        return None
    return current


def policy_documents_published(*, today: date | None = None) -> list[dict]:
    """R-REP-3a: for the public page, each document (kind and title) with the version in force and its earlier
    versions, newest first. Versions not yet effective are listed as upcoming."""
    today = today or timezone.localdate()
    grouped: dict[tuple[str, str], dict] = {}
    for document in PolicyDocument.objects.order_by("kind", "title", "-effective_on", "-id"):
        entry = grouped.setdefault((document.kind, document.title), {
            "kind_value": document.kind, "kind": document.get_kind_display(), "title": document.title,
            "current": None, "earlier": [],
            "upcoming": [],
        })
        if document.effective_on > today:
            entry["upcoming"].append(document)
        elif entry["current"] is None:
            entry["current"] = document
        else:
            entry["earlier"].append(document)
    kinds = list(PolicyDocumentKind.values)
    return sorted(grouped.values(), key=lambda entry: (kinds.index(entry["kind_value"]), entry["title"]))


def public_comments():
    """R-REP-4: the public comment(s) held before the program began, for the public page."""
    return PublicComment.objects.order_by("-held_on", "-id")


def policy_document_list_visible_to(*, user):
    """R-REP-3a: every posted version of an adopted policy document is public, to everyone, signed in or not."""
    return PolicyDocument.objects.all()


def public_comment_minutes_visible_to(*, user):
    """R-REP-4: the minutes of the public comment are public wherever a minutes document was recorded."""
    return PublicComment.objects.exclude(minutes_document="")
