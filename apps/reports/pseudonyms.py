"""Stable pseudonyms for the redacted rendition: the same person is the same "User 7F3A9C" in every report, and
nobody without the key can tell who it is (an HMAC of the user id, not a hash anyone could recompute)."""

from __future__ import annotations

import hashlib
import hmac

from django.conf import settings


def _key() -> bytes:
    # A dedicated key keeps pseudonyms stable across a SECRET_KEY rotation; without one, derive it from SECRET_KEY.
    configured = settings.PORTAL.get("REPORT_PSEUDONYM_KEY") or ""
    base = configured or settings.SECRET_KEY
    return hmac.new(base.encode(), b"alprportal.reports.pseudonym", hashlib.sha256).digest()


def pseudonym_for(user_id: int) -> str:
    """"User " + 6 hex digits (24 bits: collisions are negligible for an agency's staff)."""
    digest = hmac.new(_key(), str(int(user_id)).encode(), hashlib.sha256).hexdigest()
    return f"User {digest[:6].upper()}"
