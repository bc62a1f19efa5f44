"""The MFA gate (issue #22; CJIS Security Policy 5.6.2.2, R-SEC-2): a signed-in person whose session is not
MFA-satisfied (``apps.accounts.mfa``) reaches nothing but the second step — or, without any factor yet when their
role requires one, enrolment — and signing out. Pages redirect; the API answers 403 with the reason.

A session is satisfied by the local second step or by an identity provider that did MFA (method ``idp``). API
tokens (``Authorization: Token``) are a separate credential: DRF authenticates them after this middleware, so the
gate sees them as anonymous and leaves them to the token's own lifetime (R-SEC-2).
"""

from __future__ import annotations

from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode

from apps.accounts.mfa import mfa_session_is_satisfied

VERIFY_REQUIRED = "Complete the second step of signing in (authenticator code or security key) first."
ENROL_REQUIRED = "Your role requires multi-factor authentication: enrol an authenticator app or security key first."

# What a person between the password and the second factor may reach.
_VERIFY_PATHS = ("/accounts/mfa/verify/", "/accounts/mfa/webauthn/verify/", "/accounts/logout/",
                 "/accounts/login/")
_ENROL_PATHS = ("/accounts/mfa/", "/accounts/logout/", "/accounts/login/")


def mfa_gate_decision(request) -> str | None:
    """None when the request may go on; ``"verify"`` or ``"enrol"`` when the person must do that first."""
    from apps.accounts.mfa_devices import user_has_mfa

    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or mfa_session_is_satisfied(request):
        return None
    if user_has_mfa(user=user):
        return "verify"
    return "enrol" if mfa_required_for(user=user) else None


def mfa_required_for(*, user) -> bool:
    """Does the deploying agency require a second factor of one of ``user``'s roles (``Agency.mfa_required_roles``)?
    Without a deploying agency the default holds: every role that sees ALPR data or hot lists (deny by default)."""
    from apps.accounts.mfa import MFA_DEFAULT_REQUIRED_ROLES
    from apps.agencies.selectors import agency_get_deploying

    agency = agency_get_deploying()
    required = set(agency.mfa_required_roles or ()) if agency is not None else set(MFA_DEFAULT_REQUIRED_ROLES)
    return bool(user.roles & required)


class MfaGateMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        path = request.path
        if path.startswith(settings.STATIC_URL):
            return self.get_response(request)
        decision = mfa_gate_decision(request)
        if decision is None:
            return self.get_response(request)
        allowed = _VERIFY_PATHS if decision == "verify" else _ENROL_PATHS
        if path.startswith(allowed):
            return self.get_response(request)
        message = VERIFY_REQUIRED if decision == "verify" else ENROL_REQUIRED
        if path.startswith("/api/"):
            return JsonResponse({"detail": message, "code": f"mfa_{decision}_required"}, status=403)
        target = reverse("accounts:mfa_verify" if decision == "verify" else "accounts:mfa")
        if request.method == "GET":
            target += "?" + urlencode({"next": request.get_full_path()})
        return redirect(target)
