"""Multi-factor authentication (issue #22; CJIS Security Policy 5.6.2.2: MFA for every access to CJI, R-SEC-2).

The one contract every sign-in path shares: a session is **MFA-satisfied** when ``request.session[MFA_SESSION_KEY]``
is a dict ``{"method": "totp" | "webauthn" | "recovery" | "idp", "at": "<ISO time>"}``. Local sign-in sets it after
the second step (TOTP code, security key / passkey, or a recovery code); OpenID Connect sign-in sets it with method
``"idp"`` when the identity provider's ``amr``/``acr`` claims show that the provider did MFA. The MFA gate
(``apps.accounts.middleware.MfaGateMiddleware``) honours any such session and nothing else.
"""

from __future__ import annotations

from django.utils import timezone

from apps.accounts.roles import INTERNAL_ROLES, Role

MFA_SESSION_KEY = "alprportal_mfa"

METHOD_TOTP = "totp"
METHOD_WEBAUTHN = "webauthn"
METHOD_RECOVERY = "recovery"
METHOD_IDP = "idp"
MFA_METHODS = frozenset({METHOD_TOTP, METHOD_WEBAUTHN, METHOD_RECOVERY, METHOD_IDP})

# The roles whose members must use a second factor unless the agency decides otherwise: every role that sees ALPR
# data or hot lists (the agency's staff) and partner requesters, whose released packages hold reads.
MFA_DEFAULT_REQUIRED_ROLES = frozenset({*INTERNAL_ROLES, Role.PARTNER_REQUESTER})

UNKNOWN_METHOD = "Unknown MFA method {method!r}: expected one of {methods}."


def mfa_session_mark(request, *, method: str) -> dict:
    """Mark ``request``'s session MFA-satisfied by ``method`` (call it after ``django.contrib.auth.login``, which
    cycles the session key: the mark then lives in the new session). Returns the stored mark."""
    if method not in MFA_METHODS:
        raise ValueError(UNKNOWN_METHOD.format(method=method, methods=", ".join(sorted(MFA_METHODS))))
    mark = {"method": method, "at": timezone.now().isoformat()}
    request.session[MFA_SESSION_KEY] = mark
    return mark


def mfa_session_method(request) -> str | None:
    """The method that satisfied MFA in ``request``'s session, or None when it is not MFA-satisfied."""
    session = getattr(request, "session", None)
    mark = session.get(MFA_SESSION_KEY) if session is not None else None
    if isinstance(mark, dict) and mark.get("method") in MFA_METHODS and mark.get("at"):
        return mark["method"]
    return None


def mfa_session_is_satisfied(request) -> bool:
    return mfa_session_method(request) is not None
