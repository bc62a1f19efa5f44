"""Accounts the identity provider vouches for: created, updated (roles from groups, R-ACC-1) and deactivated from
its claims; every sign-in recorded with the provider's MFA evidence (``amr``/``acr``)."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from apps.accounts.identity_provider import claims as claim_rules
from apps.accounts.models import DeactivationReason, ProviderIdentity, User
from apps.accounts.roles import Role
from apps.accounts.services import user_create, user_deactivate, user_roles_apply
from apps.audit.services import event_record

NO_ROLE = ("{provider} does not place you in any group that gives access to the ALPR Portal. Ask your administrator "
           "to add you to the right group.")
MFA_REQUIRED = ("The agency requires multi-factor authentication: {provider} did not report that you signed in with a "
                "second factor. Sign in again at {provider} with your second factor (or ask your administrator to "
                "enrol one).")
NO_SUBJECT = "{provider} did not identify you (no subject claim); sign-in refused."
DEACTIVATED = "Your portal account is deactivated; ask an administrator."


@dataclass(frozen=True)
class SignInOutcome:
    user: User | None
    refusal: str = ""


def _provider() -> str:
    return settings.OIDC_PROVIDER_NAME


def _username_for(claims: dict[str, Any]) -> str:
    raw = str(claims.get("preferred_username") or claims.get("email") or claims["sub"])
    base = re.sub(r"[^\w.@+-]", "_", raw)[:120]
    if not User.objects.filter(username=base).exists():
        return base
    # Never reuse a local account's name: the provider's person gets a distinct, stable one.
    return f"{base[:110]}-{hashlib.sha256(str(claims['sub']).encode()).hexdigest()[:8]}"


def _profile(claims: dict[str, Any], roles: list[str]) -> dict[str, str]:
    title = str(claims.get("job_title") or claims.get("jobTitle") or "").strip()
    return {
        "first_name": str(claims.get("given_name") or "")[:150],
        "last_name": str(claims.get("family_name") or "")[:150],
        "email": str(claims.get("email") or "")[:254],
        # R-ACC-5: the job title the provider knows, else the roles it gives (never empty).
        "job_title": (title or ", ".join(Role(role).label for role in roles))[:120],
    }


def _evidence(claims: dict[str, Any]) -> dict[str, Any]:
    return {"amr": claim_rules.claim_amr(claims), "acr": str(claims.get("acr") or ""),
            "mfa": claim_rules.claims_show_mfa(claims)}


@transaction.atomic
def provider_sign_in(*, claims: dict[str, Any], issuer: str) -> SignInOutcome:
    """Decide a sign-in from verified claims: refused without a mapped group (deny by default) or, when
    OIDC_REQUIRE_MFA is on, without MFA evidence; otherwise the account is created or brought up to date. Every
    decision is an audit event carrying the provider's amr/acr."""
    subject = str(claims.get("sub") or "")
    if not subject:
        return SignInOutcome(None, NO_SUBJECT.format(provider=_provider()))
    groups = claim_rules.claim_groups(claims)
    roles = claim_rules.roles_for_groups(groups)
    evidence = _evidence(claims)
    identity = ProviderIdentity.objects.select_related("user").filter(issuer=issuer, subject=subject).first()
    user = identity.user if identity else None
    data = {"issuer": issuer, "subject": subject, "groups": groups, "roles": roles, **evidence}

    if not roles:
        if user is not None and user.is_active:
            # The provider no longer gives this person any portal role: their account goes too.
            provider_account_deprovision(user=user, note="No mapped group at sign-in.")
        event_record(actor=user, code="alprportal.accounts.oidc.sign_in_refused", target=user,
                     data={**data, "reason": "no_mapped_group"})
        return SignInOutcome(None, NO_ROLE.format(provider=_provider()))
    if settings.OIDC_REQUIRE_MFA and not evidence["mfa"]:
        event_record(actor=user, code="alprportal.accounts.oidc.sign_in_refused", target=user,
                     data={**data, "reason": "mfa_required"})
        return SignInOutcome(None, MFA_REQUIRED.format(provider=_provider()))

    profile = _profile(claims, roles)
    if user is None:
        from apps.agencies.models import Agency

        user = user_create(actor=None, username=_username_for(claims), password=None,
                           agency=Agency.objects.filter(is_deploying_agency=True).first(), roles=roles, **profile)
        identity = ProviderIdentity.objects.create(user=user, issuer=issuer, subject=subject)
    else:
        if not user.is_active:
            if user.deactivation_reason != DeactivationReason.IDENTITY_PROVIDER:
                # Deactivated in the portal by an administrator (or for dormancy): the provider cannot undo that.
                event_record(actor=user, code="alprportal.accounts.oidc.sign_in_refused", target=user,
                             data={**data, "reason": "deactivated"})
                return SignInOutcome(None, DEACTIVATED)
            _reactivate_from_provider(user=user)
        _update_from_provider(user=user, roles=roles, profile=profile)
    identity.last_sign_in_at = timezone.now()
    identity.last_amr = evidence["amr"]
    identity.last_acr = evidence["acr"]
    identity.save(update_fields=["last_sign_in_at", "last_amr", "last_acr"])
    event_record(actor=user, code="alprportal.accounts.oidc.signed_in", target=user, data=data)
    return SignInOutcome(user)


def _update_from_provider(*, user: User, roles: list[str], profile: dict[str, str]) -> None:
    """The provider is the source of truth for its people: profile and roles follow its claims at every sign-in."""
    changed = [field for field, value in profile.items() if getattr(user, field) != value]
    if changed:
        for field in changed:
            setattr(user, field, profile[field])
        user.save(update_fields=changed)
    old = sorted(user.groups.values_list("name", flat=True))
    if old != sorted(roles):
        user_roles_apply(user, roles)
        event_record(actor=None, code="alprportal.accounts.user.roles_changed", target=user,
                     data={"old": old, "new": roles, "source": "identity_provider"})


def _reactivate_from_provider(*, user: User) -> None:
    user.is_active = True
    user.reactivated_at = timezone.now()
    user.save(update_fields=["is_active", "reactivated_at"])
    event_record(actor=None, code="alprportal.accounts.user.reactivated", target=user,
                 data={"source": "identity_provider"})


def provider_account_deprovision(*, user: User, note: str) -> User:
    """The provider dropped the person (disabled, removed, or out of every mapped group): deactivate the account
    (nothing deleted; open sessions end at their next request) and take its roles away."""
    if user.is_active:
        user = user_deactivate(actor=None, user=user, reason=DeactivationReason.IDENTITY_PROVIDER, note=note)
    if user.groups.exists():
        user_roles_apply(user, [])
    return user


def provider_session_recheck(*, user: User, userinfo: dict[str, Any] | None) -> bool:
    """The periodic check of a provider session: ``userinfo`` is the provider's answer, or None when it refused the
    session's token (person disabled or removed, token revoked). Returns whether the session may go on."""
    if userinfo is None:
        event_record(actor=None, code="alprportal.accounts.oidc.session_ended", target=user,
                     data={"reason": "provider_refused_token"})
        return False
    roles = claim_rules.roles_for_groups(claim_rules.claim_groups(userinfo))
    if not roles:
        with transaction.atomic():
            provider_account_deprovision(user=user, note="No mapped group at the provider's userinfo check.")
            event_record(actor=None, code="alprportal.accounts.oidc.session_ended", target=user,
                         data={"reason": "no_mapped_group"})
        return False
    with transaction.atomic():
        _update_from_provider(user=user, roles=roles, profile=_profile(userinfo, roles))
    return True
