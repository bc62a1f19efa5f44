"""Reading the provider's claims: which portal roles its groups map to, and whether it vouches for MFA."""

from __future__ import annotations

from typing import Any

from django.conf import settings

from apps.accounts.roles import Role


def oidc_enabled() -> bool:
    """Configured: a client id and the provider's endpoints are set (otherwise the portal has passwords only)."""
    return bool(settings.OIDC_RP_CLIENT_ID and settings.OIDC_OP_AUTHORIZATION_ENDPOINT
                and settings.OIDC_OP_TOKEN_ENDPOINT and settings.OIDC_OP_USER_ENDPOINT)


def claim_groups(claims: dict[str, Any]) -> list[str]:
    value = claims.get(settings.OIDC_GROUPS_CLAIM) or []
    if isinstance(value, str):
        value = [value]
    return [str(group) for group in value]


def roles_for_groups(groups: list[str]) -> list[str]:
    """Portal roles of the provider's groups through OIDC_GROUP_ROLES. A group that is not mapped gives nothing:
    someone in no mapped group has no role, and so no access (deny by default)."""
    mapping = settings.OIDC_GROUP_ROLES
    roles = []
    for group in groups:
        role = mapping.get(group)
        if role in Role.values and role not in roles:
            roles.append(role)
    return roles


def claim_amr(claims: dict[str, Any]) -> list[str]:
    value = claims.get("amr") or []
    if isinstance(value, str):
        value = [value]
    return [str(method) for method in value]


def claims_show_mfa(claims: dict[str, Any]) -> bool:
    """The provider vouches for multi-factor authentication: one of its ``amr`` values (RFC 8176, e.g. "mfa") is in
    OIDC_MFA_AMR_VALUES, or its ``acr`` is one of OIDC_MFA_ACR_VALUES (provider-specific, e.g. Okta's
    "urn:okta:loa:2fa:any")."""
    amr = set(claim_amr(claims))
    acr = str(claims.get("acr") or "")
    return bool(amr & set(settings.OIDC_MFA_AMR_VALUES)) or (acr != "" and acr in settings.OIDC_MFA_ACR_VALUES)
