"""Signed anchors of the access log's chain head (R-AUD-1b).

The SHA-256 chain shows an edited or removed row in the middle, but not a truncated tail nor a row appended with a
hash recomputed by the public formula. An anchor records the head (seq, row hash, time) signed with
HMAC-SHA256 under ``settings.ACCESS_LOG_ANCHOR_KEY`` (a secret outside the database), chained to the previous
anchor's signature. ``access_log_verify_chain`` checks rows against anchors; the latest head is published on the
public page and in each issued report, so an outsider can check it later (``verify_access_log --against-head``).
"""

from __future__ import annotations

import hashlib
import hmac
from functools import lru_cache

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from apps.audit.models import AccessLog, AccessLogAnchor, AnchorReason

# Serializes anchor writers (beat, purge, report issue) so the anchors never fork. Not the chain lock: an anchor only
# reads the committed head, and a report issue holds this lock while it computes its figures — searches must not wait.
_ANCHOR_LOCK_KEY = 0x414E4348  # "ANCH"


@lru_cache(maxsize=4)
def _derive(secret_key: str, anchor_key: str) -> bytes:
    if anchor_key:
        return anchor_key.encode("utf-8")
    # No dedicated key configured: derive one from SECRET_KEY (also outside the database), domain-separated.
    return hmac.new(secret_key.encode("utf-8"), b"alprportal.audit.access-log-anchor", hashlib.sha256).digest()


def anchor_key() -> bytes:
    """The signing key of anchors: ACCESS_LOG_ANCHOR_KEY, or a key derived from SECRET_KEY when it is empty."""
    return _derive(settings.SECRET_KEY, getattr(settings, "ACCESS_LOG_ANCHOR_KEY", "") or "")


def anchor_key_id() -> str:
    """A fingerprint of the key (never the key), so a verifier can tell "signed with another key" from a forgery."""
    return hashlib.sha256(b"key-id:" + anchor_key()).hexdigest()[:16]


def _lock() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_ANCHOR_LOCK_KEY])


def anchor_write_locked(*, reason: str, force: bool = False) -> AccessLogAnchor | None:
    """Anchor the current head inside the caller's transaction (the purge, which also holds the chain lock)."""
    _lock()
    head = AccessLog.objects.order_by("-seq").first()
    if head is None:
        return None
    latest = AccessLogAnchor.objects.order_by("-id").first()
    if latest is not None and not force and latest.seq == head.seq and latest.row_hash == head.row_hash:
        return None  # nothing logged since: idempotent
    anchor = AccessLogAnchor(
        seq=head.seq, row_hash=head.row_hash, head_occurred_at=head.occurred_at, anchored_at=timezone.now(),
        reason=reason, key_id=anchor_key_id(), previous_signature=latest.signature if latest else "",
    )
    anchor.signature = anchor.compute_signature()
    anchor.save(force_insert=True)
    return anchor


def access_log_anchor(*, reason: str = AnchorReason.SCHEDULED, force: bool = False) -> AccessLogAnchor | None:
    """Write a signed anchor of the chain head (R-AUD-1b); None when the log is empty or (unless ``force``) nothing
    was logged since the latest anchor. Anchor writers are serialized (an advisory lock), so anchors never fork;
    the head read is the last committed row, which a concurrent writer can only follow, never change."""
    with transaction.atomic():
        return anchor_write_locked(reason=reason, force=force)


def access_log_anchor_latest() -> AccessLogAnchor | None:
    """The latest anchor whose signature verifies (what is published), or None."""
    latest = AccessLogAnchor.objects.order_by("-id").first()
    if latest is None or not hmac.compare_digest(latest.compute_signature(), latest.signature):
        return None
    return latest
