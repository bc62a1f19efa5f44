from django.db import models


class HoldStatus(models.TextChoices):
    PENDING = "pending", "Waiting for the supervisor"
    VERIFYING = "verifying", "Approved — waiting for the custodian's verification"
    ACTIVE = "active", "Active"
    DENIED = "denied", "Denied"
    RELEASED = "released", "Released"


# One service per edge (apps.holds.services): approve (supervisor), verify or refuse (custodian of records, 004 §XI
# "verification of extended retention requests", R-RET-3a), deny, release. Re-affirming keeps a hold active.
HOLD_TRANSITIONS: dict[str, frozenset[str]] = {
    HoldStatus.PENDING: frozenset({HoldStatus.VERIFYING, HoldStatus.DENIED}),
    HoldStatus.VERIFYING: frozenset({HoldStatus.ACTIVE, HoldStatus.DENIED}),
    HoldStatus.ACTIVE: frozenset({HoldStatus.RELEASED}),
    HoldStatus.DENIED: frozenset(),
    HoldStatus.RELEASED: frozenset(),
}

# A request not yet confirmed (waiting for the supervisor or for the custodian's verification).
WAITING_STATUSES = (HoldStatus.PENDING, HoldStatus.VERIFYING)

# Statuses whose reads retention must not touch. A request still waiting already protects its reads, so evidence is
# not archived or purged on the night between the request and the decision (R-RET-3) — but only for
# HOLD_PENDING_PROTECT_DAYS after it was requested: a request left waiting longer stops protecting (R-RET-3a,
# ``apps.holds.selectors.read_held_sql``).
HOLDING_STATUSES = (HoldStatus.PENDING, HoldStatus.VERIFYING, HoldStatus.ACTIVE)


class HoldGround(models.TextChoices):
    """Grounds for keeping reads past retention (policy 004 §VI; 000 462.4, 001 471.5, 003 427.4)."""

    EVIDENCE = "evidence", "Evidence in a criminal or administrative investigation"
    PROSECUTION = "prosecution", "Prosecution pending final disposition"
    CASE_FILE = "case_file", "Included in a criminal case file"
    ONGOING_INVESTIGATION = "ongoing_investigation", "Ongoing criminal investigation"
    EXECUTIVE_DIRECTION = "executive_direction", "Executive direction, with the Division Chief's written concurrence"
    # R-RET-3a (000 462.4, 001 471.5, 003 427.4): "evidence in a criminal or civil action or ... subject to a discovery
    # request or other lawful action to produce records".
    CIVIL_ACTION = "civil_action", "Evidence in a civil action"
    DISCOVERY_REQUEST = "discovery_request", "Subject to a discovery request"
    LAWFUL_PROCESS = "lawful_process", "Other lawful process to produce records (subpoena, court order…)"


class ScopeKind(models.TextChoices):
    READS = "reads", "Selected reads"
    SEARCH = "search", "Plate, time range and cameras"


class ExportStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Being built"
    SUCCEEDED = "succeeded", "Ready"
    FAILED = "failed", "Failed"
    EXPIRED = "expired", "Expired — the file was purged under its retention period (R-RET-6)"
