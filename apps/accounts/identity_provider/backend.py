"""The authentication backend of provider sign-ins: mozilla-django-oidc runs the authorization-code flow (PKCE, nonce,
signature checks); this subclass decides who gets in and with which roles."""

from __future__ import annotations

import logging

from django.conf import settings
from mozilla_django_oidc.auth import OIDCAuthenticationBackend

from apps.accounts.identity_provider import claims as claim_rules
from apps.accounts.identity_provider import services

logger = logging.getLogger(__name__)

REFUSAL_SESSION_KEY = "alprportal_oidc_refusal"
EVIDENCE_SESSION_KEY = "alprportal_oidc_evidence"


class ProviderBackend(OIDCAuthenticationBackend):
    """Only active when OIDC_* is configured (otherwise it answers None to everything, like a backend that is not
    there). A refused sign-in leaves the reason in the session for the login page (``REFUSAL_SESSION_KEY``)."""

    def __init__(self, *args, **kwargs):
        self.enabled = claim_rules.oidc_enabled()
        if self.enabled:
            super().__init__(*args, **kwargs)
        else:
            from django.contrib.auth import get_user_model

            self.UserModel = get_user_model()

    def authenticate(self, request, **kwargs):
        if not self.enabled or request is None:
            return None
        return super().authenticate(request, **kwargs)

    def get_or_create_user(self, access_token, id_token, payload):
        # The ID token is what the provider signed for this sign-in: amr/acr/iss/sub come from it; userinfo adds the
        # profile and groups (some providers put groups in one, some in the other).
        userinfo = self.get_userinfo(access_token, id_token, payload)
        if userinfo.get("sub") != payload.get("sub"):
            return self._refuse("The identity provider answered for a different person; sign-in refused.")
        claims = {**userinfo, **payload}
        claims[settings.OIDC_GROUPS_CLAIM] = (
            payload.get(settings.OIDC_GROUPS_CLAIM) or userinfo.get(settings.OIDC_GROUPS_CLAIM) or []
        )
        outcome = services.provider_sign_in(claims=claims, issuer=self._issuer(payload))
        if outcome.user is None:
            return self._refuse(outcome.refusal)
        self.request.session[EVIDENCE_SESSION_KEY] = {"mfa": claim_rules.claims_show_mfa(claims)}
        return outcome.user

    def _issuer(self, payload) -> str:
        return str(payload.get("iss") or settings.OIDC_OP_ISSUER)

    def verify_token(self, token, **kwargs):
        payload = super().verify_token(token, **kwargs)
        expected = settings.OIDC_OP_ISSUER
        if payload and expected and payload.get("iss") != expected:
            logger.warning("ID token from issuer %r refused (expected %r)", payload.get("iss"), expected)
            return None
        return payload

    def _refuse(self, message: str):
        self.request.session[REFUSAL_SESSION_KEY] = message
        return None

    def get_user(self, user_id):
        # Sessions end as soon as the account is deactivated, as for password accounts (AccountStatusBackend).
        user = super().get_user(user_id)
        return user if user is not None and user.is_active else None
