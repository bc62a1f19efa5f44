from django.db import models

from apps.agreements.choices import ImmigrationBasis  # noqa: F401 - re-exported: the request form's choices


class DisclosureStatus(models.TextChoices):
    """A written request's life (R-SHR-3, R-SHR-4). Transitions: ``DISCLOSURE_TRANSITIONS``."""

    SUBMITTED = "submitted", "Submitted — waiting for review"
    INFO_REQUESTED = "info_requested", "More information requested"
    APPROVED = "approved", "Approved — release package being prepared"
    RELEASED = "released", "Released"
    DENIED = "denied", "Denied"
    CLOSED = "closed", "Closed"


# One service per edge (apps.disclosures.services). Anything not listed here is refused.
DISCLOSURE_TRANSITIONS: dict[str, frozenset[str]] = {
    DisclosureStatus.SUBMITTED: frozenset({DisclosureStatus.APPROVED, DisclosureStatus.DENIED,
                                           DisclosureStatus.INFO_REQUESTED, DisclosureStatus.CLOSED}),
    DisclosureStatus.INFO_REQUESTED: frozenset({DisclosureStatus.SUBMITTED, DisclosureStatus.DENIED,
                                                DisclosureStatus.CLOSED}),
    DisclosureStatus.APPROVED: frozenset({DisclosureStatus.RELEASED}),
    DisclosureStatus.RELEASED: frozenset(),
    DisclosureStatus.DENIED: frozenset(),
    DisclosureStatus.CLOSED: frozenset(),
}
OPEN_STATUSES = frozenset({DisclosureStatus.SUBMITTED, DisclosureStatus.INFO_REQUESTED})


class ReceivedVia(models.TextChoices):
    """How a written request reached the agency (R-SHR-9). Paper and e-mail requests are entered by staff, with the
    document attached; the person who entered one cannot authorize it."""

    PORTAL = "portal", "Partner portal or API"
    PAPER = "paper", "On paper (letter, fax, hand delivery)"
    EMAIL = "email", "By e-mail"
    EXPORT = "export", "An export for an outside recipient (R-SHR-8)"


STAFF_ENTERED = (ReceivedVia.PAPER, ReceivedVia.EMAIL)


class AttachmentKind(models.TextChoices):
    WRITTEN_REQUEST = "written_request", "The written request as received (scan or e-mail)"
    JUDICIAL_WARRANT = "judicial_warrant", "Judicial warrant"
    COURT_ORDER = "court_order", "Court order"
    SUPPORTING = "supporting", "Supporting document"
    INFO_RESPONSE = "info_response", "Document sent with more information"


class ReviewAction(models.TextChoices):
    APPROVED = "approved", "Approved and authorized"
    DENIED = "denied", "Denied"
    INFO_REQUESTED = "info_requested", "Asked for more information"
    CLOSED_INELIGIBLE = "closed_ineligible", "Closed: requester not eligible"
    IMMIGRATION_EXAMINED = "immigration_examined", "Examined the warrant or the cited law (SB 54)"


class PackageStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Being built"
    SUCCEEDED = "succeeded", "Ready"
    FAILED = "failed", "Failed"
    EXPIRED = "expired", "Expired — the file was purged under its retention period (R-RET-6)"
