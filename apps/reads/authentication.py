"""Camera tokens: the only credential a camera has, and it can only ingest.

``CameraTokenAuthentication`` is set on the ingest views alone. Every other endpoint uses the portal's default
authentication classes, which do not know this header scheme, so a camera token gets 401 there; and even if it were
accepted, a ``CameraPrincipal`` is not a User and holds no permission.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.utils import timezone
from rest_framework import authentication, exceptions
from rest_framework.permissions import BasePermission

from apps.reads.models import Camera, CameraCredential
from apps.reads.services.tokens import token_hash

KEYWORDS = ("camera", "bearer")
TOKEN_INVALID = "Invalid or revoked camera token."  # noqa: S105 - a message, not a secret
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
        credential = (CameraCredential.objects.select_related("camera")
                      .filter(token_hash=token_hash(raw), revoked_at__isnull=True).first())
        if credential is None:
            raise exceptions.AuthenticationFailed(TOKEN_INVALID)
        now = timezone.now()
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
