"""Second factors of local accounts (issue #22, R-SEC-2): TOTP, security keys / passkeys (WebAuthn), recovery codes,
and the administrator's reset. Every enrolment, sign-in step, failure and reset is a domain event (R-AUD-2).

TOTP devices and recovery codes are django-otp's models (``TOTPDevice``, ``StaticDevice``: throttled after failures);
security keys are ``WebAuthnCredential`` rows verified with py_webauthn. The session side is ``apps.accounts.mfa``.
"""

from __future__ import annotations

import base64
import json
import secrets

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp.util import random_hex

from apps.accounts.mfa import METHOD_RECOVERY, METHOD_TOTP, METHOD_WEBAUTHN
from apps.accounts.models import User, WebAuthnCredential
from apps.audit.services import event_record
from apps.common.errors import ApplicationError

EVENT_ENROLLED = "alprportal.accounts.mfa.enrolled"
EVENT_REMOVED = "alprportal.accounts.mfa.removed"
EVENT_VERIFIED = "alprportal.accounts.mfa.verified"
EVENT_FAILED = "alprportal.accounts.mfa.failed"
EVENT_RECOVERY_CODES_ISSUED = "alprportal.accounts.mfa.recovery_codes_issued"
EVENT_RESET = "alprportal.accounts.mfa.reset"

RECOVERY_CODE_COUNT = 10
TOTP_ENROL_SESSION_KEY = "alprportal_mfa_totp_enrol"
WEBAUTHN_CHALLENGE_SESSION_KEY = "alprportal_mfa_webauthn_challenge"

CODE_WRONG = "That code is not right (or has been used). Check the time on your phone and try the current code."
CODE_THROTTLED = "Too many wrong codes: wait a minute before trying again."
CODE_MISSING = "Enter the 6-digit code from your authenticator app, or a recovery code."
ENROL_EXPIRED = "The enrolment expired: start again."
KEY_REFUSED = "The security key could not be verified: {reason}"
RESET_REASON_REQUIRED = "Give the reason for the reset (it is recorded and sent to the person)."
RESET_SELF = "You cannot reset your own MFA: ask another administrator."


# --- selectors ------------------------------------------------------------------------------------------------------

def mfa_devices_for(*, user) -> dict:
    """What ``user`` has enrolled: confirmed TOTP devices, security keys, and how many recovery codes are left."""
    static = StaticDevice.objects.filter(user=user, confirmed=True)
    return {
        "totp": list(TOTPDevice.objects.filter(user=user, confirmed=True)),
        "webauthn": list(WebAuthnCredential.objects.filter(user=user)),
        "recovery_codes_left": StaticToken.objects.filter(device__in=static).count(),
    }


def user_has_mfa(*, user) -> bool:
    """Has ``user`` enrolled a second factor (TOTP or security key)? Recovery codes alone do not count."""
    return (TOTPDevice.objects.filter(user=user, confirmed=True).exists()
            or WebAuthnCredential.objects.filter(user=user).exists())


# --- TOTP -----------------------------------------------------------------------------------------------------------

def totp_secret_new() -> str:
    """A fresh 160-bit TOTP key, hex as django-otp stores it."""
    return random_hex(20)


def totp_secret_base32(key_hex: str) -> str:
    """The key as an authenticator app takes it by hand (RFC 4648 base32, no padding)."""
    return base64.b32encode(bytes.fromhex(key_hex)).decode().rstrip("=")


def totp_provisioning_uri(*, user, key_hex: str) -> str:
    """The ``otpauth://`` URI the QR code carries (issuer and account, SHA-1, 6 digits, 30 s)."""
    device = TOTPDevice(user=user, key=key_hex, name="Authenticator app")
    issuer = settings.PORTAL["MFA_TOTP_ISSUER"]
    # django-otp's config_url names the issuer from OTP_TOTP_ISSUER; the portal's issuer is a PORTAL setting.
    url = device.config_url
    if "issuer=" not in url:
        from urllib.parse import quote

        url = url.replace("otpauth://totp/", f"otpauth://totp/{quote(issuer)}:", 1) + f"&issuer={quote(issuer)}"
    return url


def totp_qr_svg(uri: str) -> str:
    """The QR code of ``uri`` as inline SVG, drawn on the server (segno): no image service, nothing from a CDN."""
    import segno

    return segno.make(uri, error="m").svg_inline(scale=5, border=2, title="TOTP enrolment QR code")


def totp_code_now(*, key_hex: str) -> str:
    """The current 6-digit code of a key (the demo's ``manage.py demo_totp``, and tests)."""
    from django_otp.oath import TOTP

    totp = TOTP(bytes.fromhex(key_hex), step=30, t0=0, digits=6)
    totp.time = timezone.now().timestamp()
    return f"{totp.token():06d}"


@transaction.atomic
def mfa_totp_enrol(*, user, key_hex: str, code: str, name: str = "Authenticator app") -> tuple[TOTPDevice, list[str]]:
    """Enrol a TOTP device once the person proves their app produces the current code. Returns the device and,
    when the person had no recovery codes yet, a fresh set to show once (else an empty list)."""
    device = TOTPDevice(user=user, key=key_hex, name=name[:64] or "Authenticator app", confirmed=False)
    if not (code or "").strip().isdigit() or not device.verify_token(code.strip()):
        raise ApplicationError(CODE_WRONG)
    device.confirmed = True
    device.full_clean()
    device.save()
    event_record(actor=user, code=EVENT_ENROLLED, target=user, data={"method": METHOD_TOTP, "device": device.name})
    codes = [] if _has_recovery_codes(user) else mfa_recovery_codes_issue(user=user)
    return device, codes


def _has_recovery_codes(user) -> bool:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).exists()


@transaction.atomic
def mfa_recovery_codes_issue(*, user) -> list[str]:
    """A new set of one-time recovery codes (the old set stops working), shown to the person once; each works once."""
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name="Recovery codes", confirmed=True)
    # 12 random hex digits (48 bits) in groups of four: fits django-otp's 16-character token column.
    codes = ["-".join(secrets.token_hex(2) for _ in range(3)) for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    event_record(actor=user, code=EVENT_RECOVERY_CODES_ISSUED, target=user, data={"count": len(codes)})
    return codes


def mfa_code_verify(*, user, code: str) -> str:
    """The second step with a typed code: a TOTP code of an enrolled app, or an unused recovery code (consumed).
    Returns the method; records the failure and raises ApplicationError when neither matches. Wrong codes count
    toward django-otp's throttle (each failure doubles the wait)."""
    code = (code or "").strip().replace(" ", "")
    if not code:
        raise ApplicationError(CODE_MISSING)
    is_totp = code.isdigit() and len(code) == 6
    method = METHOD_TOTP if is_totp else METHOD_RECOVERY
    throttled = False
    with transaction.atomic():
        model = TOTPDevice if is_totp else StaticDevice
        for device in model.objects.filter(user=user, confirmed=True).select_for_update():
            allowed, _ = device.verify_is_allowed()
            if not allowed:
                throttled = True
                continue
            if device.verify_token(code):
                data = {"method": method}
                if not is_totp:
                    data["recovery_codes_left"] = StaticToken.objects.filter(device=device).count()
                event_record(actor=user, code=EVENT_VERIFIED, target=user, data=data)
                return method
    event_record(actor=user, code=EVENT_FAILED, target=user, data={"method": method, "throttled": throttled})
    raise ApplicationError(CODE_THROTTLED if throttled else CODE_WRONG)


# --- WebAuthn -------------------------------------------------------------------------------------------------------

def webauthn_rp(request) -> tuple[str, str]:
    """(relying party id, expected origin) for ``request``: the configured host name, else the request's host."""
    host = request.get_host()
    rp_id = settings.PORTAL["MFA_WEBAUTHN_RP_ID"] or host.split(":")[0]
    return rp_id, f"{request.scheme}://{host}"


def webauthn_registration_options(*, request, user) -> str:
    """The JSON options for ``navigator.credentials.create`` (challenge kept in the session)."""
    import webauthn
    from webauthn.helpers.structs import (
        AuthenticatorSelectionCriteria,
        PublicKeyCredentialDescriptor,
        ResidentKeyRequirement,
        UserVerificationRequirement,
    )

    rp_id, _ = webauthn_rp(request)
    options = webauthn.generate_registration_options(
        rp_id=rp_id, rp_name=settings.PORTAL["MFA_WEBAUTHN_RP_NAME"], user_name=user.get_username(),
        user_id=str(user.pk).encode(), user_display_name=user.get_full_name() or user.get_username(),
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.PREFERRED, user_verification=UserVerificationRequirement.PREFERRED),
        exclude_credentials=[PublicKeyCredentialDescriptor(id=bytes(c.credential_id))
                             for c in WebAuthnCredential.objects.filter(user=user)],
    )
    request.session[WEBAUTHN_CHALLENGE_SESSION_KEY] = base64.b64encode(options.challenge).decode()
    return webauthn.options_to_json(options)


def _challenge_take(request) -> bytes:
    stored = request.session.pop(WEBAUTHN_CHALLENGE_SESSION_KEY, None)
    if not stored:
        raise ApplicationError(ENROL_EXPIRED)
    return base64.b64decode(stored)


@transaction.atomic
def mfa_webauthn_enrol(*, request, user, credential_json: str, name: str = "Security key") -> tuple[
        WebAuthnCredential, list[str]]:
    """Verify the authenticator's attestation against the session's challenge and store the credential."""
    import webauthn
    from webauthn.helpers.exceptions import WebAuthnException

    rp_id, origin = webauthn_rp(request)
    try:
        verified = webauthn.verify_registration_response(
            credential=credential_json, expected_challenge=_challenge_take(request),
            expected_rp_id=rp_id, expected_origin=origin)
    except (WebAuthnException, ValueError, KeyError, json.JSONDecodeError) as error:
        raise ApplicationError(KEY_REFUSED.format(reason=error)) from error
    credential = WebAuthnCredential(
        user=user, name=(name or "Security key")[:80], credential_id=verified.credential_id,
        public_key=verified.credential_public_key, sign_count=verified.sign_count,
        transports=(json.loads(credential_json).get("response", {}) or {}).get("transports", []) or [])
    credential.full_clean(exclude=["credential_id", "public_key"])
    credential.save()
    event_record(actor=user, code=EVENT_ENROLLED, target=user, data={"method": METHOD_WEBAUTHN,
                                                                     "device": credential.name})
    codes = [] if _has_recovery_codes(user) else mfa_recovery_codes_issue(user=user)
    return credential, codes


def webauthn_authentication_options(*, request, user) -> str:
    import webauthn
    from webauthn.helpers.structs import PublicKeyCredentialDescriptor, UserVerificationRequirement

    rp_id, _ = webauthn_rp(request)
    options = webauthn.generate_authentication_options(
        rp_id=rp_id, user_verification=UserVerificationRequirement.PREFERRED,
        allow_credentials=[PublicKeyCredentialDescriptor(id=bytes(c.credential_id))
                           for c in WebAuthnCredential.objects.filter(user=user)])
    request.session[WEBAUTHN_CHALLENGE_SESSION_KEY] = base64.b64encode(options.challenge).decode()
    return webauthn.options_to_json(options)


def mfa_webauthn_verify(*, request, user, credential_json: str) -> str:
    """The second step with a security key: the assertion must be signed by one of the person's credentials, with
    a signature counter that moved forward. Returns the method; raises ApplicationError otherwise."""
    import webauthn
    from webauthn.helpers import base64url_to_bytes
    from webauthn.helpers.exceptions import WebAuthnException

    rp_id, origin = webauthn_rp(request)
    try:
        with transaction.atomic():
            raw_id = base64url_to_bytes(json.loads(credential_json)["rawId"])
            credential = WebAuthnCredential.objects.select_for_update().get(user=user, credential_id=raw_id)
            verified = webauthn.verify_authentication_response(
                credential=credential_json, expected_challenge=_challenge_take(request), expected_rp_id=rp_id,
                expected_origin=origin, credential_public_key=bytes(credential.public_key),
                credential_current_sign_count=credential.sign_count)
            credential.sign_count = verified.new_sign_count
            credential.last_used_at = timezone.now()
            credential.save(update_fields=["sign_count", "last_used_at"])
            event_record(actor=user, code=EVENT_VERIFIED, target=user,
                         data={"method": METHOD_WEBAUTHN, "device": credential.name})
            return METHOD_WEBAUTHN
    except (WebAuthnException, ApplicationError, ValueError, KeyError, TypeError, json.JSONDecodeError,
            WebAuthnCredential.DoesNotExist) as error:
        reason = str(error) or "unknown key"
        event_record(actor=user, code=EVENT_FAILED, target=user, data={"method": METHOD_WEBAUTHN,
                                                                        "reason": reason[:200]})
        raise ApplicationError(KEY_REFUSED.format(reason=reason)) from error


# --- removal and reset ----------------------------------------------------------------------------------------------

@transaction.atomic
def mfa_reset(*, actor, person: User, reason: str) -> int:
    """An administrator removes every second factor of ``person`` (lost phone or key). Audited, and the person is
    told (notification and e-mail). They enrol again at their next sign-in. Returns how many factors were removed."""
    from apps.notifications.models import Severity
    from apps.notifications.services import notification_send

    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError(RESET_REASON_REQUIRED)
    if actor.pk == person.pk:
        raise ApplicationError(RESET_SELF)
    removed = (TOTPDevice.objects.filter(user=person).delete()[0]
               + WebAuthnCredential.objects.filter(user=person).delete()[0])
    StaticDevice.objects.filter(user=person).delete()
    # The open sessions that passed the second step with the removed factors end too: whoever holds one (a stolen
    # laptop, the reason for many resets) must sign in again and enrol, like the person.
    ended = _sessions_end(user=person)
    event_record(actor=actor, code=EVENT_RESET, target=person,
                 data={"factors_removed": removed, "reason": reason, "sessions_ended": ended})
    notification_send(
        recipients=[person], severity=Severity.WARNING,
        title="Your multi-factor authentication was reset",
        body=(f"{actor} reset your second factors ({removed} removed) on {timezone.localtime():%Y-%m-%d %H:%M}. "
              f"Reason: {reason}. You will enrol a new authenticator app or security key at your next sign-in. "
              "If you did not ask for this, tell your ALPR Administrator at once."),
    )
    return removed


def _sessions_end(*, user) -> int:
    """Delete ``user``'s unexpired sessions (database sessions: each is decoded to find its owner)."""
    from django.contrib.auth import SESSION_KEY
    from django.contrib.sessions.models import Session

    ended = []
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator(chunk_size=500):
        if str(session.get_decoded().get(SESSION_KEY, "")) == str(user.pk):
            ended.append(session.pk)
    Session.objects.filter(pk__in=ended).delete()
    return len(ended)


@transaction.atomic
def mfa_factor_remove(*, user, kind: str, factor_id: int) -> None:
    """The person removes one of their own factors (a replaced phone or key)."""
    model = {"totp": TOTPDevice, "webauthn": WebAuthnCredential}.get(kind)
    if model is None:
        raise ApplicationError("Unknown kind of factor.")
    deleted, _ = model.objects.filter(user=user, pk=factor_id).delete()
    if deleted:
        event_record(actor=user, code=EVENT_REMOVED, target=user, data={"method": kind})
