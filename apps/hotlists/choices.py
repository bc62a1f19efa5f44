"""Hot-list sources, entry reasons, hit states and the allowed hit transitions (R-HOT-1, R-HOT-4)."""

from django.db import models


class HotListSource(models.TextChoices):
    """Where a list comes from (R-HOT-1). Every source but our own is *external*: it must be refreshed at least every
    ``PARTNER_HOTLIST_MAX_AGE_HOURS`` or it stops matching (R-HOT-2, policy 004 §V)."""

    OWN = "own", "Own agency"
    CA_DOJ = "ca_doj", "California DOJ stolen vehicle system"
    PARTNER = "partner", "Partner agency (under an agreement)"


EXTERNAL_SOURCES = frozenset({HotListSource.CA_DOJ, HotListSource.PARTNER})


class RefreshPolicy(models.TextChoices):
    MANUAL = "manual", "Manual upload"
    FEED = "feed", "Automated feed (API)"
    DAILY = "daily", "Daily upload"
    EVERY_SHIFT = "every_shift", "Every shift"


class EntryReason(models.TextChoices):
    STOLEN_VEHICLE = "stolen_vehicle", "Stolen vehicle"
    STOLEN_PLATE = "stolen_plate", "Stolen plate"
    WANTED_PERSON = "wanted_person", "Wanted person"
    MISSING_PERSON = "missing_person", "Missing person / AMBER alert"
    FELONY_VEHICLE = "felony_vehicle", "Felony vehicle"
    BOLO = "bolo", "Be on the lookout (BOLO)"
    PROTECTION_ORDER = "protection_order", "Protection order / sanctions"
    OTHER = "other", "Other (see why)"


class EntryErrorKind(models.TextChoices):
    """What was wrong with a hot-list entry (R-HOT-7, policy 004 §IV)."""

    WRONG_PLATE = "wrong_plate", "Wrong plate or state"
    NO_LONGER_WANTED = "no_longer_wanted", "No longer wanted (cleared, recovered, withdrawn)"
    WRONG_DETAILS = "wrong_details", "Wrong reason, case or vehicle details"
    FROM_MISREAD = "from_misread", "Entered from a camera misread"
    OTHER = "other", "Other (see the description)"


class EntryErrorStatus(models.TextChoices):
    """An open error keeps the entry's plate and state off the list, re-imports included, until it is resolved."""

    OPEN = "open", "Open — withheld from matching"
    RESOLVED = "resolved", "Resolved"


class ReferralStatus(models.TextChoices):
    """A referral of an erroneous entry to the agency that originated it (R-HOT-7): recorded, then marked sent by a
    supervisor once it has gone out (e-mail, teletype, phone)."""

    PENDING = "pending", "To be sent"
    SENT = "sent", "Sent to the originating agency"


ENTRY_ERROR_TRANSITIONS: dict[str, frozenset[str]] = {
    EntryErrorStatus.OPEN: frozenset({EntryErrorStatus.RESOLVED}),
    EntryErrorStatus.RESOLVED: frozenset(),
}
REFERRAL_TRANSITIONS: dict[str, frozenset[str]] = {
    ReferralStatus.PENDING: frozenset({ReferralStatus.SENT}),
    ReferralStatus.SENT: frozenset(),
}


class Priority(models.IntegerChoices):
    """1 is the most urgent; the hits page sorts by it."""

    CRITICAL = 1, "1 — critical (officer safety, AMBER)"
    HIGH = 2, "2 — high"
    NORMAL = 3, "3 — normal"
    LOW = 4, "4 — low"


class VersionKind(models.TextChoices):
    CREATED = "created", "List created"
    IMPORT = "import", "CSV upload"
    FEED = "feed", "Automated feed"
    ENTRY_ADDED = "entry_added", "Entry added"
    ENTRY_REMOVED = "entry_removed", "Entry removed"
    ENTRY_ERROR = "entry_error", "Entry marked erroneous"


class ImportStatus(models.TextChoices):
    PREVIEW = "preview", "Preview (not applied)"
    APPLIED = "applied", "Applied"
    DISCARDED = "discarded", "Discarded"
    SUPERSEDED = "superseded", "Superseded (the list changed since the preview)"


class HitStatus(models.TextChoices):
    """R-HOT-4: a hit is not probable cause. It stays *new* (unconfirmed) until someone records a confirmation;
    action is recorded only after a confirmation."""

    NEW = "new", "New — unconfirmed"
    CONFIRMED = "confirmed", "Confirmed"
    MISREAD = "misread", "Misread"
    NOT_ACTIONABLE = "not_actionable", "Not actionable"
    ACTIONED = "actioned", "Action recorded"


HIT_TRANSITIONS: dict[str, frozenset[str]] = {
    HitStatus.NEW: frozenset({HitStatus.CONFIRMED, HitStatus.MISREAD, HitStatus.NOT_ACTIONABLE}),
    HitStatus.CONFIRMED: frozenset({HitStatus.ACTIONED}),
    HitStatus.MISREAD: frozenset(),
    HitStatus.NOT_ACTIONABLE: frozenset(),
    HitStatus.ACTIONED: frozenset(),
}


class ConfirmationMethod(models.TextChoices):
    DISPATCH = "dispatch", "Dispatch / communications"
    CLETS = "clets", "CLETS / NCIC query"
    ORIGINATING_AGENCY = "originating_agency", "Originating agency"
    OTHER = "other", "Other (see note)"
    # Not a confirmation: acting before one, under exigent circumstances; set only by ``hit_act_exigent`` (R-HOT-4a).
    EXIGENT = "exigent", "None — exigent circumstances (acted before confirmation)"


# R-HOT-4a: a stolen vehicle or stolen plate is confirmed only with dispatch/communications or CLETS.
STOLEN_REASONS = frozenset({"stolen_vehicle", "stolen_plate"})
STOLEN_CONFIRMATION_METHODS = frozenset({ConfirmationMethod.DISPATCH, ConfirmationMethod.CLETS})
# What a person may pick when confirming (the exigent path is its own service and form).
CONFIRMATION_CHOICES = [(value, label) for value, label in ConfirmationMethod.choices
                        if value != ConfirmationMethod.EXIGENT]


class ConfirmationResult(models.TextChoices):
    STILL_WANTED = "still_wanted", "Still wanted — status confirmed"
    CLEARED = "cleared", "Cleared — no longer wanted"
    UNCONFIRMED = "unconfirmed", "Not confirmed — exigent circumstances"


# The result a person may record when confirming.
CONFIRMATION_RESULT_CHOICES = [(value, label) for value, label in ConfirmationResult.choices
                               if value != ConfirmationResult.UNCONFIRMED]


class ExigentReviewOutcome(models.TextChoices):
    """A supervisor's finding on an action taken before confirmation (R-HOT-4a)."""

    JUSTIFIED = "justified", "Justified — exigent circumstances existed"
    NOT_JUSTIFIED = "not_justified", "Not justified — should have been confirmed first"


class HitAction(models.TextChoices):
    STOP = "stop", "Vehicle stopped"
    RECOVERED = "recovered", "Vehicle or plate recovered"
    ARREST = "arrest", "Arrest"
    PERSON_LOCATED = "person_located", "Person located"
    INFORMATION_ONLY = "information_only", "Information passed to the case investigator"
    NO_ACTION = "no_action", "No action taken"
