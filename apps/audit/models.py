"""The access log (R-AUD-1) and domain events.

The access log is append-only three times over: the model refuses updates and deletes, the admin offers neither,
and on PostgreSQL a trigger rejects UPDATE, DELETE and TRUNCATE. It is also tamper-evident: each row carries the
SHA-256 of the previous row's hash and its own content, so an edit made around all of that (by a database
superuser) breaks the chain, and ``manage.py verify_access_log`` names the first row that no longer fits.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models

from apps.audit.choices import ALL_PURPOSE_CHOICES, IncidentKind, IncidentStatus, NotificationDecision

GENESIS_HASH = "0" * 64


class AppendOnlyError(Exception):
    """Raised when code tries to change or remove an append-only record."""


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError(f"{self.model.__name__} rows are append-only: update refused.")

    def delete(self):
        raise AppendOnlyError(f"{self.model.__name__} rows are append-only: delete refused.")

    def bulk_update(self, objs, fields, batch_size=None):
        raise AppendOnlyError(f"{self.model.__name__} rows are append-only: update refused.")


class AppendOnlyModel(models.Model):
    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError(f"{type(self).__name__} rows are append-only: update refused.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError(f"{type(self).__name__} rows are append-only: delete refused.")


class AccessLog(AppendOnlyModel):
    """One row per access to or query of ALPR data (Civ. Code § 1798.90.52; R-AUD-1, R-READ-3).

    Written by ``apps.audit.services.access_log_record`` before any result leaves the portal. Names and agency are
    copied at write time so that the row still says who it was after a rename.
    """

    seq = models.BigIntegerField(unique=True, editable=False, help_text="Position in the hash chain (1, 2, 3, …).")
    occurred_at = models.DateTimeField(db_index=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="access_log_rows")
    username = models.CharField(max_length=150)
    agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    agency_name = models.CharField(max_length=200, blank=True)
    action = models.CharField(max_length=80, help_text="What was done, e.g. reads.search, reads.export.")
    data_elements = models.JSONField(default=dict, help_text="The data elements queried (plate pattern, time…).")
    purpose = models.CharField(max_length=40, choices=ALL_PURPOSE_CHOICES)
    case_number = models.CharField(max_length=64)
    result_count = models.IntegerField(null=True, blank=True)
    client_address = models.GenericIPAddressField(null=True, blank=True)
    endpoint = models.CharField(max_length=200, blank=True, help_text="The page or API endpoint used.")
    previous_hash = models.CharField(max_length=64)
    row_hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["-seq"]
        indexes = [
            models.Index(fields=["user", "occurred_at"], name="accesslog_user_time"),
            models.Index(fields=["case_number"], name="accesslog_case"),
        ]
        constraints = [
            models.CheckConstraint(condition=~models.Q(purpose=""), name="accesslog_purpose_required"),
            models.CheckConstraint(condition=~models.Q(case_number=""), name="accesslog_case_required"),
        ]

    def __str__(self) -> str:
        return f"#{self.seq} {self.occurred_at:%Y-%m-%d %H:%M:%S} {self.username} {self.action}"

    def content_for_hash(self) -> dict:
        return {
            "seq": self.seq,
            "occurred_at": self.occurred_at.isoformat(),
            "user_id": self.user_id,
            "username": self.username,
            "agency_id": self.agency_id,
            "agency_name": self.agency_name,
            "action": self.action,
            "data_elements": self.data_elements,
            "purpose": self.purpose,
            "case_number": self.case_number,
            "result_count": self.result_count,
            "client_address": self.client_address,
            "endpoint": self.endpoint,
        }

    def compute_hash(self) -> str:
        canonical = json.dumps(self.content_for_hash(), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        return hashlib.sha256((self.previous_hash + canonical).encode("utf-8")).hexdigest()


class DomainEvent(AppendOnlyModel):
    """A state change in a governed record, with a namespaced code (``alprportal.<app>.<entity>.<verb>``).

    Field-level diffs come from django-auditlog; this is the business event (who approved what, when, why).
    """

    occurred_at = models.DateTimeField(auto_now_add=True, db_index=True)
    code = models.CharField(max_length=120, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    actor_username = models.CharField(max_length=150, blank=True)
    target_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, null=True, blank=True)
    target_id = models.CharField(max_length=64, blank=True)
    target_repr = models.CharField(max_length=200, blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        indexes = [models.Index(fields=["target_type", "target_id"], name="event_target")]

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M} {self.code} {self.target_repr}"


class AccessLogCheckpoint(AppendOnlyModel):
    """The signed record of one access-log purge (R-AUD-1: kept at least 2 years, then purged by retention).

    The purge is the one controlled way rows leave the access log: ``apps.audit.purge.access_log_purge`` writes this
    row and, in the same transaction, deletes exactly the prefix ``seq_from…seq_to``; the PostgreSQL trigger lets a
    DELETE through only for rows a checkpoint of the *current transaction* covers (matched by ``purge_token`` and
    ``txid``). ``last_row_hash`` is the hash of the last purged row, so verification continues from the first
    remaining row and checks that it links to it. Checkpoints chain to each other (``previous_signature``) and are
    signed with an HMAC keyed by SECRET_KEY, so a forged or removed checkpoint is detected too.
    """

    seq_from = models.BigIntegerField(help_text="First purged row (the previous checkpoint's seq_to + 1, or 1).")
    seq_to = models.BigIntegerField(unique=True, help_text="Last purged row.")
    rows_purged = models.BigIntegerField()
    first_previous_hash = models.CharField(max_length=64, help_text="previous_hash of the first purged row.")
    last_row_hash = models.CharField(max_length=64, help_text="row_hash of the last purged row.")
    last_occurred_at = models.DateTimeField(help_text="When the last purged access happened.")
    cutoff = models.DateTimeField(help_text="Rows older than this were due for purging.")
    purged_at = models.DateTimeField()
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                              related_name="+")
    actor_username = models.CharField(max_length=150)
    reason = models.CharField(max_length=200, blank=True)
    purge_token = models.UUIDField(unique=True, editable=False)
    txid = models.BigIntegerField(help_text="The database transaction that purged (the trigger checks it).")
    previous_signature = models.CharField(max_length=64, blank=True)
    signature = models.CharField(max_length=64)

    class Meta:
        ordering = ["-seq_to"]
        constraints = [
            models.CheckConstraint(condition=models.Q(seq_to__gte=models.F("seq_from")),
                                   name="accesslogcheckpoint_range_ordered"),
            models.CheckConstraint(condition=models.Q(rows_purged=models.F("seq_to") - models.F("seq_from") + 1),
                                   name="accesslogcheckpoint_count_matches_range"),
        ]

    def __str__(self) -> str:
        return f"Access log rows {self.seq_from}…{self.seq_to} purged {self.purged_at:%Y-%m-%d %H:%M}"

    def content_for_signature(self) -> dict:
        return {
            "seq_from": self.seq_from,
            "seq_to": self.seq_to,
            "rows_purged": self.rows_purged,
            "first_previous_hash": self.first_previous_hash,
            "last_row_hash": self.last_row_hash,
            "last_occurred_at": self.last_occurred_at.astimezone(UTC).isoformat(),
            "cutoff": self.cutoff.astimezone(UTC).isoformat(),
            "purged_at": self.purged_at.astimezone(UTC).isoformat(),
            "actor_username": self.actor_username,
            "purge_token": str(self.purge_token),
            "previous_signature": self.previous_signature,
        }

    def compute_signature(self) -> str:
        from django.utils.crypto import salted_hmac

        canonical = json.dumps(self.content_for_signature(), sort_keys=True, separators=(",", ":"))
        return salted_hmac("apps.audit.AccessLogCheckpoint", canonical, algorithm="sha256").hexdigest()


class AnchorReason(models.TextChoices):
    SCHEDULED = "scheduled", "Scheduled (celery beat)"
    PURGE = "purge", "Access-log purge"
    REPORT = "report", "Oversight report issued"
    MANUAL = "manual", "Written on request"


class AccessLogAnchor(AppendOnlyModel):
    """A signed checkpoint of the access log's chain head (R-AUD-1b): row ``seq`` had hash ``row_hash`` at
    ``anchored_at``.

    The chain alone cannot reveal a truncated tail or a row appended with a hash recomputed by the public formula
    (``AccessLog.compute_hash``): anyone with database rights can do both. The anchor is signed with an HMAC-SHA256
    keyed by ``settings.ACCESS_LOG_ANCHOR_KEY`` — a secret the database does not hold — so it cannot be forged from
    inside the database; each anchor carries the previous anchor's signature, so removing an anchor in the middle
    breaks the anchors' chain; the latest head is also published (``/transparency/``, each issued report), so removing
    the latest anchor is caught by comparing with a published head (``verify_access_log --against-head``). Written
    every 15 minutes by celery beat, at each purge and when a report is issued (``apps.audit.anchors``).
    """

    seq = models.BigIntegerField(db_index=True, help_text="The chain head's position when anchored.")
    row_hash = models.CharField(max_length=64, help_text="row_hash of that row.")
    head_occurred_at = models.DateTimeField(help_text="When the anchored row's access happened.")
    anchored_at = models.DateTimeField()
    reason = models.CharField(max_length=20, choices=AnchorReason.choices)
    key_id = models.CharField(max_length=16, help_text="Fingerprint of the signing key (not the key).")
    previous_signature = models.CharField(max_length=64, blank=True)
    signature = models.CharField(max_length=64)

    class Meta:
        ordering = ["-id"]
        get_latest_by = "id"

    def __str__(self) -> str:
        return f"Anchor of row #{self.seq} at {self.anchored_at:%Y-%m-%d %H:%M}"

    def content_for_signature(self) -> dict:
        return {
            "seq": self.seq,
            "row_hash": self.row_hash,
            "head_occurred_at": self.head_occurred_at.astimezone(UTC).isoformat(),
            "anchored_at": self.anchored_at.astimezone(UTC).isoformat(),
            "reason": self.reason,
            "key_id": self.key_id,
            "previous_signature": self.previous_signature,
        }

    def compute_signature(self) -> str:
        import hmac

        from apps.audit.anchors import anchor_key

        canonical = json.dumps(self.content_for_signature(), sort_keys=True, separators=(",", ":"))
        return hmac.new(anchor_key(), canonical.encode("utf-8"), hashlib.sha256).hexdigest()


class SecurityIncident(models.Model):
    """The security incident and data breach register (R-SEC-1; policy 004 preamble: breach notification; 000 462.5).

    Records when it was detected and by whom, its scope drawn from the access log (a person and a time window: the
    rows, plates and results they reached, computed by ``apps.audit.security.security_incident_scope_set``), the
    notification decision with its reasons and date, and the closure. Changed only through apps.audit.security.
    """

    title = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=IncidentKind.choices)
    description = models.TextField()
    detected_at = models.DateTimeField()
    detected_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                    help_text="Who detected it.")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)
    scope_user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+", help_text="The account whose accesses are in scope.")
    scope_start = models.DateTimeField(null=True, blank=True)
    scope_end = models.DateTimeField(null=True, blank=True)
    scope_rows = models.PositiveIntegerField(null=True, blank=True, help_text="Access-log rows in scope.")
    scope_plates = models.PositiveIntegerField(null=True, blank=True, help_text="Distinct plates queried in scope.")
    scope_results = models.PositiveIntegerField(null=True, blank=True, help_text="Results those queries returned.")
    scope_first_seq = models.BigIntegerField(null=True, blank=True)
    scope_last_seq = models.BigIntegerField(null=True, blank=True)
    scope_computed_at = models.DateTimeField(null=True, blank=True)
    notification_decision = models.CharField(max_length=20, choices=NotificationDecision.choices, blank=True)
    notification_rationale = models.TextField(blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    notified_on = models.DateField(null=True, blank=True, help_text="When the notifications were sent.")
    status = models.CharField(max_length=10, choices=IncidentStatus.choices, default=IncidentStatus.OPEN)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="+")
    closure_note = models.TextField(blank=True)

    class Meta:
        ordering = ["-detected_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(scope_start__isnull=True) | models.Q(scope_end__gt=models.F("scope_start")),
                name="incident_scope_window_ordered"),
            models.CheckConstraint(
                condition=models.Q(notification_decision="") | ~models.Q(notification_rationale=""),
                name="incident_decision_has_reasons"),
            models.CheckConstraint(
                condition=~models.Q(status=IncidentStatus.CLOSED)
                | (~models.Q(notification_decision="") & ~models.Q(closure_note="")
                   & models.Q(closed_at__isnull=False, closed_by__isnull=False)
                   & (~models.Q(notification_decision=NotificationDecision.NOTIFY)
                      | models.Q(notified_on__isnull=False))),
                name="incident_closed_after_decision_and_notification"),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"

    @property
    def reference(self) -> str:
        return f"SEC-{self.pk}"


class QueryVolumeAlert(models.Model):
    """An unusual volume of queries by one person in one window (R-SEC-2), raised by the periodic check
    ``apps.audit.security.query_volume_check``: at most one per person and window (``bucket``)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    bucket = models.DateTimeField(help_text="The window the alert belongs to (one alert per person per window).")
    window_start = models.DateTimeField()
    window_end = models.DateTimeField()
    query_count = models.PositiveIntegerField()
    baseline = models.FloatField(help_text="The person's own average per active window before.")
    threshold = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)
    incident = models.ForeignKey(SecurityIncident, on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="query_volume_alerts")

    class Meta:
        ordering = ["-window_end", "-id"]
        constraints = [models.UniqueConstraint(fields=["user", "bucket"], name="queryvolumealert_once_per_window")]

    def __str__(self) -> str:
        return f"{self.user} {self.query_count} queries {self.window_start:%Y-%m-%d %H:%M}–{self.window_end:%H:%M}"
