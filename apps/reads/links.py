"""Signed, per-person, short-lived links to read images.

Media is never served directly. An image link is issued only with a logged search or read view, names the person it
was issued to, and expires; ``views.ReadImageView`` also re-checks permission, training and archive visibility.
"""

from __future__ import annotations

from django.core import signing
from django.urls import reverse
from django.utils.http import urlencode

IMAGE_KINDS = ("vehicle_image", "plate_crop")
IMAGE_LINK_MAX_AGE_SECONDS = 3600
_SALT = "apps.reads.image"


def read_image_url(*, read, kind: str, user) -> str:
    if kind not in IMAGE_KINDS or not getattr(read, kind):
        return ""
    token = signing.TimestampSigner(salt=_SALT).sign(f"{read.pk}:{kind}:{user.pk}")
    return reverse("reads:image", args=[read.pk, kind]) + "?" + urlencode({"s": token})


def read_image_link_valid(*, token: str, read_id: int, kind: str, user) -> bool:
    try:
        value = signing.TimestampSigner(salt=_SALT).unsign(token or "", max_age=IMAGE_LINK_MAX_AGE_SECONDS)
    except signing.BadSignature:
        return False
    return value == f"{read_id}:{kind}:{user.pk}"
