from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import AuthenticationForm

from apps.accounts.models import DeactivationReason

SUSPENDED_FOR_INACTIVITY = (
    "This account was suspended on {date:%B %-d, %Y} because it was not used for {days} days. "
    "Ask a system administrator to reactivate it."
)
DEACTIVATED = "This account was deactivated on {date:%B %-d, %Y}. Ask a system administrator if this is wrong."


class PortalAuthenticationForm(AuthenticationForm):
    """Login form that says why an account cannot log in, but only to someone who knows its password
    (so the message cannot be used to discover which usernames exist)."""

    def clean(self):
        try:
            return super().clean()
        except forms.ValidationError:
            self._explain_inactive_account()
            raise

    def _explain_inactive_account(self) -> None:
        from django.conf import settings
        from django.utils import timezone

        username, password = self.cleaned_data.get("username"), self.cleaned_data.get("password")
        if not username or not password:
            return
        user = get_user_model().objects.filter(username=username, is_active=False).first()
        if user is None or not user.check_password(password):
            return
        when = timezone.localtime(user.deactivated_at or timezone.now())
        if user.deactivation_reason == DeactivationReason.INACTIVITY:
            message = SUSPENDED_FOR_INACTIVITY.format(date=when, days=settings.ACCOUNT_INACTIVITY_SUSPEND_DAYS)
        else:
            message = DEACTIVATED.format(date=when)
        raise forms.ValidationError(message, code="inactive")
