"""Signed, per-person, short-lived links to the images of a hit's read (media is never served directly).

Issued only with a logged hit listing (``selectors.hits_log_shown``); ``views.HitImageView`` re-checks the permission,
the training gate and that the person may still see the hit.
"""

from __future__ import annotations

from django.core import signing
from django.urls import reverse
from django.utils.http import urlencode

HIT_IMAGE_KINDS = ("plate_crop", "vehicle_image")
HIT_IMAGE_LINK_MAX_AGE_SECONDS = 3600
_SALT = "apps.hotlists.hit_image"


def hit_image_url(*, hit, kind: str, user) -> str:
    if kind not in HIT_IMAGE_KINDS or not getattr(hit.read, kind):
        return ""
    token = signing.TimestampSigner(salt=_SALT).sign(f"{hit.pk}:{kind}:{user.pk}")
    return reverse("hotlists:hit_image", args=[hit.pk, kind]) + "?" + urlencode({"s": token})


def hit_image_link_valid(*, token: str, hit_id: int, kind: str, user) -> bool:
    try:
        value = signing.TimestampSigner(salt=_SALT).unsign(token or "", max_age=HIT_IMAGE_LINK_MAX_AGE_SECONDS)
    except signing.BadSignature:
        return False
    return value == f"{hit_id}:{kind}:{user.pk}"
