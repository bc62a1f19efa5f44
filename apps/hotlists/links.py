"""Signed, per-person, short-lived links to the images of a hit's read (media is never served directly).

Issued only with a logged hit listing (``selectors.hits_log_shown``), under the purpose and case number of that
listing; ``views.HitImageView`` re-checks the permission, the training gate and that the person may still see the
hit, and logs the image shown under that purpose (R-AUD-1a).
"""

from __future__ import annotations

from django.urls import reverse
from django.utils.http import urlencode

from apps.audit.access_context import AccessContext, access_link_context, access_link_token

HIT_IMAGE_KINDS = ("plate_crop", "vehicle_image")
HIT_IMAGE_LINK_MAX_AGE_SECONDS = 3600
_SALT = "apps.hotlists.hit_image"


def hit_image_url(*, hit, kind: str, user, context: AccessContext) -> str:
    if kind not in HIT_IMAGE_KINDS or not getattr(hit.read, kind):
        return ""
    token = access_link_token(salt=_SALT, object_id=hit.pk, kind=kind, user=user, context=context)
    return reverse("hotlists:hit_image", args=[hit.pk, kind]) + "?" + urlencode({"s": token})


def hit_image_link_context(*, token: str, hit_id: int, kind: str, user) -> AccessContext | None:
    return access_link_context(salt=_SALT, token=token, object_id=hit_id, kind=kind, user=user,
                               max_age=HIT_IMAGE_LINK_MAX_AGE_SECONDS)
