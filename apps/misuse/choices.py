from django.db import models


class CaseNumberKind(models.TextChoices):
    """The kinds of number a purpose may be stated under (R-READ-3): each agency gives a pattern per kind."""

    CASE = "case", "Case number"
    INCIDENT = "incident", "Incident number"
    CAD_EVENT = "cad_event", "CAD event number"


class RmsMode(models.TextChoices):
    IMPORT = "import", "Nightly import of open case numbers (CSV or JSON export)"
    HTTP = "http", "HTTP lookup"


class Verification(models.TextChoices):
    """What the portal knows of a search's case number; recorded in its access-log row (R-READ-3)."""

    VERIFIED = "verified", "Verified open in the records system"
    FORMAT_CHECKED = "format_checked", "Format checked only"
    OVERRIDDEN = "overridden", "Overridden by a supervisor"
    UNCHECKED = "unchecked", "No format configured"


class FlagKind(models.TextChoices):
    """What the portal's review of its own access log looks for (R-AUD-3)."""

    PLATE_MANY_CASES = "plate_many_cases", "Same plate under several case numbers"
    PLATE_REPEATED_WEEKS = "plate_repeated_weeks", "Same plate looked up repeatedly over weeks"
    OFF_SHIFT = "off_shift", "Searches outside the person's recorded shifts"
    ON_LEAVE = "on_leave", "Searches while the person was on recorded leave"
    VOLUME_OWN = "volume_own", "Volume far above the person's own history"
    VOLUME_PEERS = "volume_peers", "Volume far above the person's peers"
    PROHIBITED_TEXT = "prohibited_text", "Text pointing at a prohibited use"
    VAGUE_TEXT = "vague_text", "Vague case number or justification"
    CASE_UNVERIFIED = "case_unverified", "Case number not verified (overridden or records system unavailable)"
    CASE_REFUSED = "case_refused", "Searches refused: case number failed verification"
    CASE_REUSED = "case_reused", "One case number reused across many unrelated plates"
    PLATELESS_CLUSTER = "plateless_cluster", "Searches without a plate clustered around one place and time"


class FlagStatus(models.TextChoices):
    OPEN = "open", "Open"
    JUSTIFIED = "justified", "Justified"
    NOT_JUSTIFIED = "not_justified", "Not justified (violation reported)"


# A flag is resolved once, with a finding.
FLAG_TRANSITIONS: dict[str, frozenset[str]] = {
    FlagStatus.OPEN: frozenset({FlagStatus.JUSTIFIED, FlagStatus.NOT_JUSTIFIED}),
    FlagStatus.JUSTIFIED: frozenset(),
    FlagStatus.NOT_JUSTIFIED: frozenset(),
}


class RunStatus(models.TextChoices):
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"
