from django.urls import path

from apps.accounts import views
from apps.accounts.identity_provider import views as provider_views

app_name = "accounts"

urlpatterns = [
    path("login/", views.PortalLoginView.as_view(), name="login"),
    path("logout/", views.PortalLogoutView.as_view(), name="logout"),
    # Sign-in through the agency's identity provider (issue #22); 404 unless OIDC_* is configured.
    path("oidc/start/", provider_views.ProviderSignInStartView.as_view(), name="oidc_start"),
    path("oidc/callback/", provider_views.ProviderSignInCallbackView.as_view(), name="oidc_callback"),
]
