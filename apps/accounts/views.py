from django.contrib.auth import views as auth_views
from django.contrib.auth.mixins import LoginRequiredMixin
from django.views.generic import TemplateView

from apps.accounts.forms import PortalAuthenticationForm
from apps.common.home import home_sections_for
from apps.training.selectors import alpr_access_status_for


class PortalLoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = PortalAuthenticationForm
    redirect_authenticated_user = True


class PortalLogoutView(auth_views.LogoutView):
    pass


class HomeView(LoginRequiredMixin, TemplateView):
    """What needs this person's attention, by role (sections registered by each capability)."""

    template_name = "home.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        # Oversight and partner accounts never touch the agency's ALPR data: no training banner for them.
        context["training_status"] = alpr_access_status_for(user=user) if user.is_internal else None
        context["sections"] = home_sections_for(user=user)
        return context
