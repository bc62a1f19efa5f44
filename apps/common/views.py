"""Page-view building blocks shared by every app."""

from django.contrib import messages
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.contrib.auth.views import redirect_to_login


class PortalPermissionRequiredMixin(PermissionRequiredMixin):
    """Anonymous → login page; signed in without the permission → 403 page (never a login loop)."""

    raise_exception = True

    def handle_no_permission(self):
        if not self.request.user.is_authenticated:
            return redirect_to_login(self.request.get_full_path(), self.get_login_url(), self.get_redirect_field_name())
        return super().handle_no_permission()

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        return super().dispatch(request, *args, **kwargs)


def service_run_with_messages(request, action, success: str) -> bool:
    """Run a page's service call: its ApplicationError becomes the page's error message (nothing changed), success
    the given message. Returns whether it succeeded."""
    from apps.common.errors import ApplicationError

    try:
        action()
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return False
    messages.success(request, success)
    return True


__all__ = ["PortalPermissionRequiredMixin", "service_run_with_messages"]
