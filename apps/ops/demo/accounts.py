"""Demo second factors for ``manage.py seed_demo`` (issue #22), idempotent: every demo login whose role sees ALPR
data or hot lists gets an authenticator app (TOTP) enrolled with a FIXED demo secret, derived from the username, so
a newcomer signs in with ``manage.py demo_totp <username>`` (the current code) or by adding the printed key to an
authenticator app. Never use these secrets outside the demo: anyone who reads this file can compute them.
"""

from __future__ import annotations

import hashlib

from django_otp.plugins.otp_totp.models import TOTPDevice

from apps.accounts.mfa import MFA_DEFAULT_REQUIRED_ROLES
from apps.accounts.mfa_devices import totp_secret_base32

DEMO_DEVICE_NAME = "Demo authenticator"


def demo_totp_key(username: str) -> str:
    """The fixed demo TOTP key of ``username`` (hex, 20 bytes)."""
    return hashlib.sha256(f"alpr-portal-demo-totp:{username}".encode()).hexdigest()[:40]


def demo_totp_secret(username: str) -> str:
    """The same key as an authenticator app takes it (base32)."""
    return totp_secret_base32(demo_totp_key(username))


def seed_mfa(*, people, stdout=None) -> int:
    """Enrol the demo TOTP device of each of ``people`` whose roles require MFA by default; returns how many new."""
    created = 0
    for person in people:
        if not person.roles & MFA_DEFAULT_REQUIRED_ROLES:
            continue
        _, was_created = TOTPDevice.objects.get_or_create(
            user=person, name=DEMO_DEVICE_NAME,
            defaults={"key": demo_totp_key(person.username), "confirmed": True})
        created += was_created
    if stdout is not None and created:
        stdout.write(f"Enrolled the demo authenticator (TOTP) of {created} logins.")
    return created
