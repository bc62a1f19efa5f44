"""Authentication that enforces account status (R-ACC-3)."""

from __future__ import annotations

from django.contrib.auth.backends import ModelBackend

from apps.accounts.selectors import user_is_dormant


class AccountStatusBackend(ModelBackend):
    """Username/password login that refuses deactivated accounts and suspends dormant ones at the door.

    A dormant account (no login for ACCOUNT_INACTIVITY_SUSPEND_DAYS) is suspended when it next tries to log in, even
    if the nightly suspension task has not run yet; the login form then tells the person why.
    """

    def user_can_authenticate(self, user) -> bool:
        if not super().user_can_authenticate(user):
            return False
        if user_is_dormant(user=user):
            from apps.accounts.services import user_suspend_for_inactivity

            user_suspend_for_inactivity(user=user)
            return False
        return True

    def get_user(self, user_id):
        # Existing sessions end as soon as an account is deactivated (no dormancy side effects on every request).
        user = super().get_user(user_id)
        return user if user is not None and user.is_active else None
