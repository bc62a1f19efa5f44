"""The claims the test provider issues, and its refusal of a disabled person's tokens."""

from oauth2_provider.oauth2_validators import OAuth2Validator

MFA_GROUP = "idp-mfa-enrolled"


class AgencyDirectoryValidator(OAuth2Validator):
    oidc_claim_scope = None  # every claim below in the ID token and at userinfo

    def get_additional_claims(self, request):
        user = request.user
        groups = sorted(user.groups.values_list("name", flat=True))
        mfa = MFA_GROUP in groups
        return {
            "preferred_username": user.username,
            "email": user.email,
            "given_name": user.first_name,
            "family_name": user.last_name,
            "groups": [group for group in groups if group != MFA_GROUP],
            "amr": ["pwd", "mfa"] if mfa else ["pwd"],
            "acr": "urn:idp:loa:2fa" if mfa else "urn:idp:loa:1fa",
        }

    def validate_bearer_token(self, token, scopes, request):
        valid = super().validate_bearer_token(token, scopes, request)
        return bool(valid and request.user is not None and request.user.is_active)
