"""Camera credentials: per-camera tokens that can only ingest (R-READ-1). Only a SHA-256 of a token is stored.

A token is 32 random bytes (urlsafe base64) behind a recognisable prefix, ``alprcam_``. Such a secret needs no slow
password hash: it cannot be guessed, and a fast hash keeps authentication at one indexed lookup per request.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from apps.audit.services import event_record
from apps.reads.models import Camera, CameraCredential

TOKEN_PREFIX = "alprcam_"  # noqa: S105 - a recognisable prefix, not a secret
REVOKED_BY_ROTATION = "Replaced by a new token."


def token_lifetime() -> timedelta:
    """R-SEC-2: how long a camera token is accepted after issue (``CAMERA_TOKEN_LIFETIME_DAYS``)."""
    return timedelta(days=settings.PORTAL["CAMERA_TOKEN_LIFETIME_DAYS"])


def token_hash(raw_token: str) -> str:
    return hashlib.sha256(raw_token.encode("utf-8")).hexdigest()


def _token_generate() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def _credential_create(*, actor, camera: Camera, raw_token: str) -> CameraCredential:
    now = timezone.now()
    person = actor if getattr(actor, "pk", None) else None
    revoked = CameraCredential.objects.filter(camera=camera, revoked_at__isnull=True).update(
        revoked_at=now, revoked_by=person, revocation_reason=REVOKED_BY_ROTATION)
    credential = CameraCredential(camera=camera, token_prefix=raw_token[: len(TOKEN_PREFIX) + 6],
                                  token_hash=token_hash(raw_token), created_by=person,
                                  expires_at=now + token_lifetime())
    credential.full_clean()
    credential.save()
    event_record(actor=actor, code="alprportal.reads.camera_token.issued", target=camera,
                 data={"prefix": credential.token_prefix, "revoked_previous": revoked,
                       "expires_at": credential.expires_at})
    return credential


@transaction.atomic
def camera_token_issue(*, actor, camera: Camera, raw_token: str | None = None) -> tuple[CameraCredential, str]:
    """Issue a new token for a camera, revoking the previous one (rotation). Returns the credential and the raw
    token, which is shown once and never stored. ``raw_token`` is for demo seeding only (a token known in advance);
    everyone else gets a freshly generated one."""
    Camera.objects.select_for_update().filter(pk=camera.pk).first()
    raw_token = raw_token or _token_generate()
    return _credential_create(actor=actor, camera=camera, raw_token=raw_token), raw_token


@transaction.atomic
def camera_token_revoke(*, actor, camera: Camera, reason: str = "") -> int:
    """Revoke the camera's active token (e.g. a stolen unit, a leaked configuration): R-SEC-2. Records who, when and
    why on the credential and as a domain event; the next request with the token gets a 401 saying it was revoked.
    Returns how many were revoked (0 or 1: nothing to do is not an error)."""
    now = timezone.now()
    reason = (reason or "").strip()[:200] or "Revoked."
    credentials = list(CameraCredential.objects.select_for_update().filter(camera=camera, revoked_at__isnull=True))
    for credential in credentials:
        credential.revoked_at, credential.revoked_by = now, actor if getattr(actor, "pk", None) else None
        credential.revocation_reason = reason
        credential.save(update_fields=["revoked_at", "revoked_by", "revocation_reason"])
        event_record(actor=actor, code="alprportal.reads.camera_token.revoked", target=camera,
                     data={"prefix": credential.token_prefix, "reason": reason, "revoked_at": now})
    return len(credentials)
