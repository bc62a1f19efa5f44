from django.urls import path

from apps.accounts import mfa_views, views
from apps.accounts.identity_provider import views as provider_views

app_name = "accounts"

urlpatterns = [
    path("login/", views.PortalLoginView.as_view(), name="login"),
    path("logout/", views.PortalLogoutView.as_view(), name="logout"),
    # Sign-in through the agency's identity provider (issue #22); 404 unless OIDC_* is configured.
    path("oidc/start/", provider_views.ProviderSignInStartView.as_view(), name="oidc_start"),
    path("oidc/callback/", provider_views.ProviderSignInCallbackView.as_view(), name="oidc_callback"),
    # Second factors (issue #22)
    path("mfa/", mfa_views.MfaSettingsView.as_view(), name="mfa"),
    path("mfa/verify/", mfa_views.MfaVerifyView.as_view(), name="mfa_verify"),
    path("mfa/totp/", mfa_views.MfaTotpEnrolView.as_view(), name="mfa_totp_enrol"),
    path("mfa/recovery-codes/", mfa_views.MfaRecoveryCodesView.as_view(), name="mfa_recovery_codes"),
    path("mfa/remove/", mfa_views.MfaFactorRemoveView.as_view(), name="mfa_factor_remove"),
    path("mfa/webauthn/register/options/", mfa_views.WebAuthnRegisterOptionsView.as_view(),
         name="mfa_webauthn_register_options"),
    path("mfa/webauthn/register/", mfa_views.WebAuthnRegisterView.as_view(), name="mfa_webauthn_register"),
    path("mfa/webauthn/verify/options/", mfa_views.WebAuthnVerifyOptionsView.as_view(),
         name="mfa_webauthn_verify_options"),
    path("mfa/webauthn/verify/", mfa_views.WebAuthnVerifyView.as_view(), name="mfa_webauthn_verify"),
]
