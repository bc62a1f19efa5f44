"""Camera tokens: the only credential a camera has, and it can only ingest.

``CameraTokenAuthentication`` is set on the ingest views alone. Every other endpoint uses the portal's default
authentication classes, which do not know this header scheme, so a camera token gets 401 there; and even if it were
accepted, a ``CameraPrincipal`` is not a User and holds no permission.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from django.utils import timezone
from rest_framework import authentication, exceptions
from rest_framework.permissions import BasePermission

from apps.reads.models import Camera, CameraCredential
from apps.reads.services.tokens import token_hash

logger = logging.getLogger("alprportal.reads.auth")

KEYWORDS = ("camera", "bearer")
TOKEN_INVALID = "Invalid camera token."  # noqa: S105 - a message, not a secret
TOKEN_REVOKED = "This camera token was revoked on {when} ({reason}); ask the ALPR administrator for a new one."  # noqa: S105
TOKEN_EXPIRED = "This camera token expired on {when}; ask the ALPR administrator to issue a new one."  # noqa: S105
TOKEN_MALFORMED = "Send the camera token as “Authorization: Camera <token>”."  # noqa: S105
LAST_USED_RESOLUTION = timedelta(minutes=5)


@dataclass
class CameraPrincipal:
    """The authenticated camera on an ingest request (request.user). Not a person: no permissions, no data access."""

    camera: Camera
    credential_id: int

    is_authenticated = True
    is_anonymous = False
    is_active = True
    is_staff = False
    is_superuser = False
    pk = None
    id = None

    def has_perm(self, perm, obj=None) -> bool:
        return False

    def has_perms(self, perms, obj=None) -> bool:
        return False

    def has_role(self, *roles) -> bool:
        return False

    def get_username(self) -> str:
        return f"camera:{self.camera.pk}"

    @property
    def username(self) -> str:
        return self.get_username()

    def __str__(self) -> str:
        return f"camera {self.camera}"


class CameraTokenAuthentication(authentication.BaseAuthentication):
    keyword = "Camera"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower().decode(errors="replace") not in KEYWORDS:
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(TOKEN_MALFORMED)
        try:
            raw = header[1].decode("ascii")
        except UnicodeError as exc:
            raise exceptions.AuthenticationFailed(TOKEN_MALFORMED) from exc
        credential = CameraCredential.objects.select_related("camera").filter(token_hash=token_hash(raw)).first()
        if credential is None:
            raise exceptions.AuthenticationFailed(TOKEN_INVALID)
        now = timezone.now()
        # R-SEC-2: whoever holds the token may learn why it no longer works (it names nothing they do not know).
        if credential.revoked_at is not None:
            logger.warning("Camera %s used its token %s…, revoked on %s.", credential.camera_id,
                           credential.token_prefix, credential.revoked_at.isoformat())
            raise exceptions.AuthenticationFailed(TOKEN_REVOKED.format(
                when=f"{timezone.localtime(credential.revoked_at):%Y-%m-%d %H:%M}",
                reason=credential.revocation_reason or "no reason given"))
        if credential.is_expired(now):
            logger.warning("Camera %s used its token %s…, expired on %s.", credential.camera_id,
                           credential.token_prefix, credential.expires_at.isoformat())
            raise exceptions.AuthenticationFailed(TOKEN_EXPIRED.format(
                when=f"{timezone.localtime(credential.expires_at):%Y-%m-%d %H:%M}"))
        if credential.last_used_at is None or now - credential.last_used_at > LAST_USED_RESOLUTION:
            # Recorded at a coarse resolution so that a busy camera does not write this row on every batch.
            CameraCredential.objects.filter(pk=credential.pk).update(last_used_at=now)
        return CameraPrincipal(camera=credential.camera, credential_id=credential.pk), credential

    def authenticate_header(self, request) -> str:
        return self.keyword


class IsCamera(BasePermission):
    message = "Only a camera token may use this endpoint."

    def has_permission(self, request, view) -> bool:
        return isinstance(request.user, CameraPrincipal)
