"""Signed, per-person, short-lived links to read images.

Media is never served directly. An image link is issued only with a logged search or read view, names the person it
was issued to and the purpose and case number of that search, and expires; ``views.ReadImageView`` re-checks
permission, training and archive visibility, and logs the image shown under that purpose (R-AUD-1a).
"""

from __future__ import annotations

from django.urls import reverse
from django.utils.http import urlencode

from apps.audit.access_context import AccessContext, access_link_context, access_link_token

IMAGE_KINDS = ("vehicle_image", "plate_crop")
IMAGE_LINK_MAX_AGE_SECONDS = 3600
_SALT = "apps.reads.image"


def read_image_url(*, read, kind: str, user, context: AccessContext) -> str:
    if kind not in IMAGE_KINDS or not getattr(read, kind):
        return ""
    token = access_link_token(salt=_SALT, object_id=read.pk, kind=kind, user=user, context=context)
    return reverse("reads:image", args=[read.pk, kind]) + "?" + urlencode({"s": token})


def read_image_link_context(*, token: str, read_id: int, kind: str, user) -> AccessContext | None:
    """The purpose and case number the link was issued under, or None when it is not valid for this person."""
    return access_link_context(salt=_SALT, token=token, object_id=read_id, kind=kind, user=user,
                               max_age=IMAGE_LINK_MAX_AGE_SECONDS)
