"""Signed, per-person, expiring download links for release packages.

A link names the package and the person it was issued to and expires after
``PORTAL["DISCLOSURE_PACKAGE_LINK_MAX_AGE_SECONDS"]``; the download view also re-checks that the person still sees
the request (R-ACC-4) and that their training is current (R-ACC-2). Reloading the request page issues a fresh link.
"""

from __future__ import annotations

from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils.http import urlencode

_SALT = "apps.disclosures.package"


def package_link_max_age() -> int:
    return settings.PORTAL["DISCLOSURE_PACKAGE_LINK_MAX_AGE_SECONDS"]


def package_download_token(*, package, user) -> str:
    return signing.TimestampSigner(salt=_SALT).sign(f"{package.pk}:{package.file_sha256}:{user.pk}")


def package_download_url(*, package, user, api: bool = False) -> str:
    name = "api:disclosure-package-download" if api else "disclosures:package"
    return reverse(name, args=[package.request_id]) + "?" + urlencode(
        {"token": package_download_token(package=package, user=user)})


def package_link_valid(*, token: str, package, user) -> bool:
    try:
        value = signing.TimestampSigner(salt=_SALT).unsign(token or "", max_age=package_link_max_age())
    except signing.BadSignature:  # includes SignatureExpired
        return False
    return value == f"{package.pk}:{package.file_sha256}:{user.pk}"
