"""Pages of the second factor (issue #22): enrolment (TOTP with a server-drawn QR code, security key / passkey),
recovery codes shown once, the sign-in second step, and removing one's own factors. The gate that sends people
here is ``apps.accounts.middleware.MfaGateMiddleware``."""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views import View

from apps.accounts import mfa_devices
from apps.accounts.mfa import METHOD_TOTP, METHOD_WEBAUTHN, mfa_session_is_satisfied, mfa_session_mark
from apps.common.errors import ApplicationError

CODES_ONCE_SESSION_KEY = "alprportal_mfa_codes_once"


def _next_url(request, default: str = "home") -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    # Only a path of this site: a bare word ("abc") is no address, and redirect() would try it as a view name (500).
    if candidate.startswith("/") and url_has_allowed_host_and_scheme(candidate, allowed_hosts={request.get_host()},
                                                                     require_https=request.is_secure()):
        return candidate
    return reverse(default)


def _after_enrolment(request, *, method: str, codes: list[str]):
    """The new factor proves possession: the session is MFA-satisfied. New recovery codes are shown once."""
    if not mfa_session_is_satisfied(request):
        mfa_session_mark(request, method=method)
    if codes:
        request.session[CODES_ONCE_SESSION_KEY] = codes
        return reverse("accounts:mfa_recovery_codes") + f"?next={_next_url(request, 'accounts:mfa')}"
    return _next_url(request, "accounts:mfa")


class MfaSettingsView(LoginRequiredMixin, View):
    """The person's second factors: what is enrolled, add another, new recovery codes, remove a factor."""

    def get(self, request):
        from apps.accounts.middleware import mfa_required_for

        factors = mfa_devices.mfa_devices_for(user=request.user)
        return render(request, "accounts/mfa/settings.html", {
            "factors": factors, "satisfied": mfa_session_is_satisfied(request),
            "enrol_required": not (factors["totp"] or factors["webauthn"]) and mfa_required_for(user=request.user)})


class MfaTotpEnrolView(LoginRequiredMixin, View):
    """Enrol an authenticator app: scan the QR code (or type the key), then type the current code to confirm."""

    def _page(self, request, *, error: str = "", status: int = 200):
        key_hex = request.session.get(mfa_devices.TOTP_ENROL_SESSION_KEY)
        if not key_hex:
            key_hex = request.session[mfa_devices.TOTP_ENROL_SESSION_KEY] = mfa_devices.totp_secret_new()
        uri = mfa_devices.totp_provisioning_uri(user=request.user, key_hex=key_hex)
        return render(request, "accounts/mfa/totp_enrol.html", {
            "qr_svg": mfa_devices.totp_qr_svg(uri), "secret": mfa_devices.totp_secret_base32(key_hex),
            "error": error, "next": request.POST.get("next") or request.GET.get("next", "")}, status=status)

    def get(self, request):
        return self._page(request)

    def post(self, request):
        key_hex = request.session.get(mfa_devices.TOTP_ENROL_SESSION_KEY)
        if not key_hex:
            return self._page(request, error=mfa_devices.ENROL_EXPIRED, status=400)
        try:
            _, codes = mfa_devices.mfa_totp_enrol(user=request.user, key_hex=key_hex,
                                                  code=request.POST.get("code", ""),
                                                  name=request.POST.get("name", "") or "Authenticator app")
        except ApplicationError as error:
            return self._page(request, error=error.message, status=400)
        request.session.pop(mfa_devices.TOTP_ENROL_SESSION_KEY, None)
        messages.success(request, "Authenticator app enrolled: sign-ins now ask for its code.")
        return redirect(_after_enrolment(request, method=METHOD_TOTP, codes=codes))


class MfaRecoveryCodesView(LoginRequiredMixin, View):
    """GET shows codes just issued, once; POST issues a new set (the old set stops working)."""

    def get(self, request):
        codes = request.session.pop(CODES_ONCE_SESSION_KEY, None)
        return render(request, "accounts/mfa/recovery_codes.html",
                      {"codes": codes, "next": _next_url(request, "accounts:mfa")})

    def post(self, request):
        if not mfa_session_is_satisfied(request) or not mfa_devices.user_has_mfa(user=request.user):
            messages.error(request, "Enrol an authenticator app or a security key first.")
            return redirect("accounts:mfa")
        request.session[CODES_ONCE_SESSION_KEY] = mfa_devices.mfa_recovery_codes_issue(user=request.user)
        return redirect("accounts:mfa_recovery_codes")


class MfaVerifyView(LoginRequiredMixin, View):
    """The second step of signing in: a code from the authenticator app, a security key, or a recovery code."""

    def _page(self, request, *, error: str = "", status: int = 200):
        factors = mfa_devices.mfa_devices_for(user=request.user)
        return render(request, "accounts/mfa/verify.html", {
            "factors": factors, "error": error, "next": request.POST.get("next") or request.GET.get("next", "")},
            status=status)

    def get(self, request):
        if mfa_session_is_satisfied(request):
            return redirect(_next_url(request))
        return self._page(request)

    def post(self, request):
        try:
            method = mfa_devices.mfa_code_verify(user=request.user, code=request.POST.get("code", ""))
        except ApplicationError as error:
            return self._page(request, error=error.message, status=400)
        request.session.cycle_key()
        mfa_session_mark(request, method=method)
        if method == "recovery":
            left = mfa_devices.mfa_devices_for(user=request.user)["recovery_codes_left"]
            messages.warning(request, f"You signed in with a recovery code; {left} left. Lost your phone or key? "
                                      "Enrol a new one and issue new recovery codes.")
        return redirect(_next_url(request))


class MfaFactorRemoveView(LoginRequiredMixin, View):
    """POST kind + id: remove one of one's own factors (only from an MFA-satisfied session)."""

    def post(self, request):
        if not mfa_session_is_satisfied(request):
            return redirect("accounts:mfa_verify")
        try:
            mfa_devices.mfa_factor_remove(user=request.user, kind=request.POST.get("kind", ""),
                                          factor_id=int(request.POST.get("id") or 0))
        except (ApplicationError, ValueError):
            messages.error(request, "That factor could not be removed.")
        else:
            messages.success(request, "Factor removed.")
        return redirect("accounts:mfa")


def _json_object(request) -> dict:
    """The JSON object a key's page sends; anything else (not JSON, a list, a string) reads as an empty object, so
    the key's check refuses it with its message instead of a 500."""
    try:
        payload = json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError):
        return {}
    return payload if isinstance(payload, dict) else {}


def _json_body(request) -> str:
    credential = _json_object(request).get("credential")
    return json.dumps(credential if isinstance(credential, dict) else {})


class WebAuthnRegisterOptionsView(LoginRequiredMixin, View):
    def post(self, request):
        return JsonResponse(json.loads(mfa_devices.webauthn_registration_options(request=request,
                                                                                user=request.user)))


class WebAuthnRegisterView(LoginRequiredMixin, View):
    def post(self, request):
        name = _json_object(request).get("name")
        name = name[:80] if isinstance(name, str) else ""
        try:
            _, codes = mfa_devices.mfa_webauthn_enrol(request=request, user=request.user,
                                                     credential_json=_json_body(request),
                                                     name=name or "Security key")
        except ApplicationError as error:
            return JsonResponse({"error": error.message}, status=400)
        return JsonResponse({"redirect": _after_enrolment(request, method=METHOD_WEBAUTHN, codes=codes)})


class WebAuthnVerifyOptionsView(LoginRequiredMixin, View):
    def post(self, request):
        return JsonResponse(json.loads(mfa_devices.webauthn_authentication_options(request=request,
                                                                                  user=request.user)))


class WebAuthnVerifyView(LoginRequiredMixin, View):
    def post(self, request):
        try:
            method = mfa_devices.mfa_webauthn_verify(request=request, user=request.user,
                                                     credential_json=_json_body(request))
        except ApplicationError as error:
            return JsonResponse({"error": error.message}, status=400)
        request.session.cycle_key()
        mfa_session_mark(request, method=method)
        return JsonResponse({"redirect": _next_url(request)})
