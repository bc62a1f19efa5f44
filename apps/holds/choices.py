from django.db import models


class HoldStatus(models.TextChoices):
    PENDING = "pending", "Waiting for the supervisor"
    ACTIVE = "active", "Active"
    DENIED = "denied", "Denied"
    RELEASED = "released", "Released"


# One service per edge (apps.holds.services): approve, deny, release. Re-affirming keeps a hold active.
HOLD_TRANSITIONS: dict[str, frozenset[str]] = {
    HoldStatus.PENDING: frozenset({HoldStatus.ACTIVE, HoldStatus.DENIED}),
    HoldStatus.ACTIVE: frozenset({HoldStatus.RELEASED}),
    HoldStatus.DENIED: frozenset(),
    HoldStatus.RELEASED: frozenset(),
}

# Statuses whose reads retention must not touch. A request waiting for its supervisor already protects its reads,
# so evidence is not archived or purged on the night between the request and the decision (R-RET-3).
HOLDING_STATUSES = (HoldStatus.PENDING, HoldStatus.ACTIVE)


class HoldGround(models.TextChoices):
    """Grounds for keeping reads past retention (policy 004 §VI; 000 462.4, 001 471.5, 003 427.4)."""

    EVIDENCE = "evidence", "Evidence in a criminal or administrative investigation"
    PROSECUTION = "prosecution", "Prosecution pending final disposition"
    CASE_FILE = "case_file", "Included in a criminal case file"
    ONGOING_INVESTIGATION = "ongoing_investigation", "Ongoing criminal investigation"
    EXECUTIVE_DIRECTION = "executive_direction", "Executive direction, with the Division Chief's written concurrence"


class ScopeKind(models.TextChoices):
    READS = "reads", "Selected reads"
    SEARCH = "search", "Plate, time range and cameras"


class ExportStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Being built"
    SUCCEEDED = "succeeded", "Ready"
    FAILED = "failed", "Failed"
