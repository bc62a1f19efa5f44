"""Hot lists, their versions and entries, staged imports, and hits (R-HOT-1, R-HOT-2, R-HOT-3, R-HOT-4, R-HOT-5).

Versioning: a list's contents change only by a new ``HotListVersion`` (an import, a feed, one entry added or
removed). An entry row is never edited: it is *added in* one version and, when removed or replaced, *removed in* a
later one, so every earlier version stays reconstructable for audit ("who added/removed which entry, and why" is
the version's author and note plus the entry's own ``entered_by`` and ``justification``). The version a list uses is
``current_version``; its contents never change, which lets the matcher compile each version once.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone

from apps.common.fields import TriggerCheckedForeignKey
from apps.hotlists.choices import (
    EXTERNAL_SOURCES,
    ConfirmationMethod,
    ConfirmationResult,
    EntryErrorKind,
    EntryErrorStatus,
    EntryReason,
    ExigentReviewOutcome,
    HitAction,
    HitStatus,
    HotListSource,
    ImportStatus,
    Priority,
    ReferralStatus,
    RefreshPolicy,
    VersionKind,
)

PATTERN_MAX_LENGTH = 16


def partner_max_age() -> timedelta:
    return timedelta(hours=settings.PORTAL["PARTNER_HOTLIST_MAX_AGE_HOURS"])


class HotList(models.Model):
    """A hot list (R-HOT-1): its source, owner, refresh policy and the version in force.

    A list from another agency (CA DOJ, a partner) that has not been refreshed for ``PARTNER_HOTLIST_MAX_AGE_HOURS``
    is *stale*: it stops matching at once — computed live at match time — and its owner is alerted (R-HOT-2). A
    partner list is used only while an agreement with its agency is in force (R-SHR-2).
    """

    name = models.CharField(max_length=120, unique=True)
    source = models.CharField(max_length=10, choices=HotListSource.choices)
    agency = models.ForeignKey(
        "agencies.Agency", on_delete=models.PROTECT, null=True, blank=True, related_name="hot_lists",
        help_text="The agency whose list this is (own agency, or the partner under an agreement).",
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="hot_lists_owned",
        help_text="The person responsible for keeping the list current; alerted when it goes stale.",
    )
    description = models.TextField(blank=True)
    refresh_policy = models.CharField(max_length=12, choices=RefreshPolicy.choices, default=RefreshPolicy.MANUAL)
    default_entry_days = models.PositiveIntegerField(
        null=True, blank=True,
        help_text="Expiry of an entry given without one, in days. Empty: every entry must carry its own expiry.",
    )
    active = models.BooleanField(default=True, help_text="Inactive lists never match.")
    current_version = models.ForeignKey(
        "HotListVersion", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
    )
    last_refreshed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+")

    class Meta:
        ordering = ["name"]
        permissions = [
            ("manage_entries", "Can add, remove and import hot-list entries"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(source=HotListSource.PARTNER) | models.Q(agency__isnull=False),
                name="hotlist_partner_has_agency",
            ),
            models.CheckConstraint(
                condition=models.Q(default_entry_days__isnull=True) | models.Q(default_entry_days__gte=1),
                name="hotlist_default_entry_days_positive",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_external(self) -> bool:
        return self.source in EXTERNAL_SOURCES

    def stale_since(self, now=None):
        """When an external list went (or goes) stale; None for our own lists (they have no refresh deadline)."""
        if not self.is_external:
            return None
        if self.last_refreshed_at is None:
            return self.created_at
        return self.last_refreshed_at + partner_max_age()

    def is_stale(self, now=None) -> bool:
        since = self.stale_since()
        return since is not None and since <= (now or timezone.now())


class HotListVersion(models.Model):
    """One state of a list's contents: who made it, how (upload, feed, one entry), why, and the diff counts.

    Versions are append-only; the previous version stays for audit, and hits name the version they matched.
    """

    hot_list = models.ForeignKey(HotList, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField()
    kind = models.CharField(max_length=14, choices=VersionKind.choices)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+")
    note = models.TextField(blank=True, help_text="Why the list changed.")
    filename = models.CharField(max_length=200, blank=True)
    file_sha256 = models.CharField(max_length=64, blank=True)
    entry_count = models.PositiveIntegerField(default=0)
    added = models.PositiveIntegerField(default=0)
    changed = models.PositiveIntegerField(default=0)
    removed = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["hot_list", "-number"]
        constraints = [models.UniqueConstraint(fields=["hot_list", "number"], name="hotlistversion_number_unique")]

    def __str__(self) -> str:
        return f"{self.hot_list} v{self.number}"


class HotListEntry(models.Model):
    """A plate wanted on a list (R-HOT-1): full or partial pattern (R-READ-4: ``?`` one unknown character, ``*`` any
    run), state, reason, priority, case number, who entered it and why, and a required expiry.

    ``plate_pattern`` is the pattern as ``apps.reads.plates.plate_pattern_parse`` normalizes it (or the normalized
    plate); an expired entry stops matching by itself (checked at match time). Never edited: see the module doc.
    """

    hot_list = models.ForeignKey(HotList, on_delete=models.PROTECT, related_name="entries")
    added_in = models.ForeignKey(HotListVersion, on_delete=models.PROTECT, related_name="entries_added")
    removed_in = models.ForeignKey(HotListVersion, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="entries_removed")
    plate_pattern = models.CharField(max_length=PATTERN_MAX_LENGTH)
    is_partial = models.BooleanField(default=False)
    state = models.CharField(max_length=2, blank=True, help_text="Plate state (e.g. CA); empty: any state.")
    reason = models.CharField(max_length=20, choices=EntryReason.choices)
    priority = models.PositiveSmallIntegerField(choices=Priority.choices, default=Priority.NORMAL)
    case_number = models.CharField(max_length=64, blank=True)
    vehicle_description = models.CharField(max_length=200, blank=True)
    justification = models.TextField(blank=True, help_text="Why the plate is on the list.")
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+")
    source_entered_by = models.CharField(max_length=120, blank=True,
                                         help_text="Who entered it at the originating agency (imports).")
    expires_at = models.DateTimeField()
    created_at = models.DateTimeField(default=timezone.now)
    # R-PURP-2: an entry whose reason is "other" carries a written justification (``justification``) and the
    # attestation that it is not based solely on protected activities or characteristics: who attested, when.
    attested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+")
    attested_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["plate_pattern"]
        verbose_name_plural = "hot-list entries"
        constraints = [
            models.CheckConstraint(condition=models.Q(plate_pattern__regex=r"^[A-Z0-9?*]+$"),
                                   name="hotlistentry_pattern_charset"),
            models.CheckConstraint(condition=models.Q(state__regex=r"^([A-Z]{2})?$"), name="hotlistentry_state"),
        ]
        indexes = [
            # The entries in force of a list (the matcher loads a version; pages list the current entries).
            models.Index(fields=["hot_list", "plate_pattern"], condition=models.Q(removed_in__isnull=True),
                         name="hotlistentry_current"),
            # Exact matching at ingest: one probe per read into the exact entries in force (R-HOT-3).
            models.Index(fields=["plate_pattern"], condition=models.Q(removed_in__isnull=True, is_partial=False),
                         name="hotlistentry_exact_current"),
            # Compiling a version's partial patterns (apps.hotlists.matching): a few rows of a large list.
            models.Index(fields=["hot_list"], condition=models.Q(is_partial=True), name="hotlistentry_partial"),
        ]

    def __str__(self) -> str:
        return f"{self.plate_pattern} ({self.get_reason_display()})"

    @property
    def key(self) -> tuple[str, str]:
        return self.plate_pattern, self.state

    def is_expired(self, now=None) -> bool:
        return self.expires_at <= (now or timezone.now())


class HotListImport(models.Model):
    """An uploaded CSV (or feed body) parsed into a dry-run preview: the valid rows, the per-line errors and the diff
    against ``base_version``. Nothing changes until a person applies it; applying refuses if the list moved on."""

    hot_list = models.ForeignKey(HotList, on_delete=models.PROTECT, related_name="imports")
    base_version = models.ForeignKey(HotListVersion, on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="+")
    status = models.CharField(max_length=12, choices=ImportStatus.choices, default=ImportStatus.PREVIEW)
    filename = models.CharField(max_length=200, blank=True)
    file_sha256 = models.CharField(max_length=64)
    line_count = models.PositiveIntegerField(default=0)
    rows = models.JSONField(default=list, help_text="The valid rows, normalized.")
    errors = models.JSONField(default=list, help_text="[{line, message}] — lines refused.")
    file_errors = models.JSONField(default=list, help_text="Problems with the file as a whole (nothing usable).")
    diff = models.JSONField(default=dict, help_text="Counts and samples of added, changed and removed entries.")
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+", help_text="Empty for a system feed.")
    applied_version = models.ForeignKey(HotListVersion, on_delete=models.PROTECT, null=True, blank=True,
                                        related_name="+")

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Import {self.pk} into {self.hot_list} ({self.get_status_display()})"


class Hit(models.Model):
    """A read that matched a hot-list entry (R-HOT-3), linking the read, the entry and the list version.

    R-HOT-4: a hit is not probable cause. It moves only through the services in ``apps.hotlists.services.hits``
    (``HIT_TRANSITIONS``): new → confirmed (who, how, when, result) / misread (feeds data-quality review, R-HOT-5) /
    not actionable; an action is recorded only after a confirmation. A CheckConstraint holds the same invariant.
    R-HOT-4a: a stolen vehicle or plate is confirmed only with dispatch or CLETS, naming the dispatcher or reference
    (``confirmation_reference``); the one way to act first is the exigent path (new → actioned, method ``exigent``,
    result ``unconfirmed``, a justification), which waits for a supervisor's review (``exigent_reviewed_*``). Every
    time here is the server's.
    """

    # Integrity by trigger on PostgreSQL, where reads are partitioned (apps.common.fields, apps.reads.partitions).
    read = TriggerCheckedForeignKey("reads.Read", on_delete=models.CASCADE, related_name="hits")
    entry = models.ForeignKey(HotListEntry, on_delete=models.PROTECT, related_name="hits")
    version = models.ForeignKey(HotListVersion, on_delete=models.PROTECT, related_name="hits")
    hot_list = models.ForeignKey(HotList, on_delete=models.PROTECT, related_name="hits")
    camera = models.ForeignKey("reads.Camera", on_delete=models.PROTECT, related_name="hits")
    plate = models.CharField(max_length=16, help_text="The read's plate when it matched.")
    priority = models.PositiveSmallIntegerField(choices=Priority.choices)
    captured_at = models.DateTimeField()
    matched_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(max_length=16, choices=HitStatus.choices, default=HitStatus.NEW)
    updated_at = models.DateTimeField(default=timezone.now)

    confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="+")
    confirmed_at = models.DateTimeField(null=True, blank=True)
    confirmation_method = models.CharField(max_length=20, choices=ConfirmationMethod.choices, blank=True)
    confirmation_result = models.CharField(max_length=14, choices=ConfirmationResult.choices, blank=True)
    confirmation_note = models.TextField(blank=True)
    confirmation_reference = models.CharField(
        max_length=120, blank=True,
        help_text="Who or what confirmed it: the dispatcher's name or ID, the CLETS message number (R-HOT-4a).")
    exigent_justification = models.TextField(
        blank=True, help_text="Why action was taken before confirmation (exigent circumstances, R-HOT-4a).")
    exigent_reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                                            blank=True, related_name="+")
    exigent_reviewed_at = models.DateTimeField(null=True, blank=True)
    exigent_review_outcome = models.CharField(max_length=16, choices=ExigentReviewOutcome.choices, blank=True)
    exigent_review_note = models.TextField(blank=True)

    dismissed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="+")
    dismissed_at = models.DateTimeField(null=True, blank=True)
    dismissal_note = models.TextField(blank=True)

    action = models.CharField(max_length=20, choices=HitAction.choices, blank=True)
    action_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="+")
    action_at = models.DateTimeField(null=True, blank=True)
    action_note = models.TextField(blank=True)

    class Meta:
        ordering = ["-matched_at", "priority", "-id"]
        permissions = [
            ("confirm_hit", "Can record the confirmation, dismissal and action of a hit"),
            ("view_usage_report", "Can view ALPR usage reports of their officers"),
            ("review_exigent_hit", "Can review actions taken on hits before confirmation (exigent)"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["read", "entry"], name="hit_once_per_read_and_entry"),
            models.CheckConstraint(
                condition=~models.Q(status__in=[HitStatus.CONFIRMED, HitStatus.ACTIONED])
                | (models.Q(confirmed_by__isnull=False, confirmed_at__isnull=False)
                   & ~models.Q(confirmation_method="") & ~models.Q(confirmation_result="")),
                name="hit_confirmed_has_who_how_result",
            ),
            models.CheckConstraint(
                condition=models.Q(action="") | models.Q(status=HitStatus.ACTIONED, confirmed_at__isnull=False),
                name="hit_action_only_after_confirmation",
            ),
            # R-HOT-4a: acting before confirmation always carries its justification, and is only ever an action.
            models.CheckConstraint(
                condition=~models.Q(confirmation_method=ConfirmationMethod.EXIGENT)
                | (~models.Q(exigent_justification="") & models.Q(status=HitStatus.ACTIONED)),
                name="hit_exigent_has_justification",
            ),
            models.CheckConstraint(
                condition=models.Q(exigent_reviewed_at__isnull=True)
                | models.Q(confirmation_method=ConfirmationMethod.EXIGENT, exigent_reviewed_by__isnull=False)
                & ~models.Q(exigent_review_outcome="") & ~models.Q(exigent_review_note=""),
                name="hit_exigent_review_complete",
            ),
        ]
        indexes = [
            models.Index(fields=["-matched_at"], name="hit_recent"),
            models.Index(fields=["status", "-matched_at"], name="hit_status_recent"),
            models.Index(fields=["camera", "status"], name="hit_camera_status"),
            models.Index(fields=["updated_at"], name="hit_updated"),
        ]

    def __str__(self) -> str:
        return f"Hit {self.pk}: {self.plate} on {self.hot_list_id}"

    @property
    def is_open(self) -> bool:
        return self.status in (HitStatus.NEW, HitStatus.CONFIRMED)


class PendingMatch(models.Model):
    """A stored read still to be matched against the hot lists (R-HOT-3: every read is matched).

    Written by ``hits_match_reads`` in the ingest transaction when matching fails there, so the read and the promise
    to match it commit together; ``hits_match_pending`` (after commit, and every few minutes from beat) matches it
    and deletes the row. Matching is idempotent (one hit per read and entry), so a row matched twice adds nothing.
    ``read_id`` is a plain id, not a foreign key: retention purges reads in SQL and must never wait on this table; a
    read purged meanwhile simply matches nothing."""

    read_id = models.BigIntegerField(unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    attempts = models.PositiveIntegerField(default=0, help_text="Failed catch-up attempts so far.")
    error = models.TextField(blank=True, help_text="Why the last catch-up attempt failed.")

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"Read {self.read_id} pending hot-list matching since {self.created_at:%Y-%m-%d %H:%M}"


class HotListEntryError(models.Model):
    """An error record of a hot-list entry (R-HOT-7, policy 004 §IV): who found it, when, and what was wrong.

    Recording it takes the entry off its list at once as a new version (``removed_in``), so it stops matching
    immediately — reads still pending matching included — and its unconfirmed hits are closed. While the error is
    *open*, a re-import or feed that carries the same plate and state again is withheld from the list (the originating
    agency has not corrected it yet). An entry of another agency is referred back to it (``HotListEntryReferral``).
    The entry row itself is never changed beyond ``removed_in`` (original data is not altered)."""

    hot_list = models.ForeignKey(HotList, on_delete=models.PROTECT, related_name="entry_errors")
    entry = models.ForeignKey(HotListEntry, on_delete=models.PROTECT, related_name="errors")
    plate_pattern = models.CharField(max_length=PATTERN_MAX_LENGTH)
    state = models.CharField(max_length=2, blank=True)
    kind = models.CharField(max_length=20, choices=EntryErrorKind.choices)
    description = models.TextField(help_text="What was wrong, and how it was found.")
    reported_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reported_at = models.DateTimeField(default=timezone.now)
    removed_in = models.ForeignKey(HotListVersion, on_delete=models.PROTECT, related_name="+",
                                   help_text="The version that took the entry off the list.")
    hits_closed = models.PositiveIntegerField(default=0, help_text="Unconfirmed hits closed when it was recorded.")
    status = models.CharField(max_length=10, choices=EntryErrorStatus.choices, default=EntryErrorStatus.OPEN)
    resolved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+")
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolution_note = models.TextField(blank=True)

    class Meta:
        ordering = ["-reported_at", "-id"]
        verbose_name = "hot-list entry error"
        constraints = [
            models.UniqueConstraint(fields=["entry"], name="hotlistentryerror_once_per_entry"),
            models.CheckConstraint(condition=~models.Q(description=""), name="hotlistentryerror_has_description"),
            models.CheckConstraint(
                condition=models.Q(status=EntryErrorStatus.OPEN, resolved_at__isnull=True)
                | models.Q(status=EntryErrorStatus.RESOLVED, resolved_at__isnull=False, resolved_by__isnull=False),
                name="hotlistentryerror_resolved_has_who_when",
            ),
        ]
        indexes = [models.Index(fields=["hot_list", "status"], name="hotlistentryerror_open")]

    def __str__(self) -> str:
        return f"Error in {self.plate_pattern} on {self.hot_list} ({self.get_status_display()})"


class HotListEntryReferral(models.Model):
    """The referral of an erroneous entry back to the agency that originated it (R-HOT-7, policy 004 §IV "or will
    refer them to the originating agency"). Sending is outside the portal: a supervisor records when and how it went
    out (``sent_*``)."""

    error = models.OneToOneField(HotListEntryError, on_delete=models.PROTECT, related_name="referral")
    agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    agency_name = models.CharField(max_length=200, help_text="The originating agency, as named when referred.")
    created_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(max_length=10, choices=ReferralStatus.choices, default=ReferralStatus.PENDING)
    sent_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                related_name="+")
    sent_at = models.DateTimeField(null=True, blank=True)
    sent_via = models.CharField(max_length=200, blank=True, help_text="How it went out (e-mail to…, teletype…).")

    class Meta:
        ordering = ["status", "-created_at"]
        permissions = [("send_referral", "Can record that an entry error was referred to its originating agency")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status=ReferralStatus.PENDING, sent_at__isnull=True)
                | (models.Q(status=ReferralStatus.SENT, sent_at__isnull=False, sent_by__isnull=False)
                   & ~models.Q(sent_via="")),
                name="hotlistentryreferral_sent_has_who_when_how",
            ),
        ]

    def __str__(self) -> str:
        return f"Referral of {self.error.plate_pattern} to {self.agency_name} ({self.get_status_display()})"


class HotListQualityReview(models.Model):
    """A periodic data-quality review of hot-list information (R-HOT-7, policy 004 §IV "periodic data quality reviews
    of information it originates"): who, when (the server's time), the scope and the findings. ``hot_list`` empty:
    every list of the agency. A list whose last review is older than ``HOTLIST_QUALITY_REVIEW_DAYS`` raises an
    overdue alert (``hot_list_quality_reviews_alert_overdue``)."""

    hot_list = models.ForeignKey(HotList, on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="quality_reviews")
    scope = models.TextField(help_text="What was checked (lists, entries, period, method).")
    entries_checked = models.PositiveIntegerField(default=0)
    errors_found = models.PositiveIntegerField(default=0)
    findings = models.TextField(help_text="What was found and what was done about it.")
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reviewed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-reviewed_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=~models.Q(scope="") & ~models.Q(findings=""),
                                   name="hotlistqualityreview_scope_and_findings"),
        ]

    def __str__(self) -> str:
        return f"Data-quality review of {self.hot_list or 'all lists'} on {self.reviewed_at:%Y-%m-%d}"
