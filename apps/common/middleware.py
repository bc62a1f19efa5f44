"""Response headers the stock middleware does not set (Content-Security-Policy, Permissions-Policy)."""

from django.conf import settings

# No CDN and no inline script: every asset is shipped in static/ (the portal runs offline).
CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; font-src 'self'; "
    "connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)
# The interactive API docs page (Swagger UI from drf-spectacular-sidecar) bootstraps with an inline script.
CSP_API_DOCS = CSP.replace("script-src 'self'", "script-src 'self' 'unsafe-inline'").replace(
    "style-src 'self'", "style-src 'self' 'unsafe-inline'"
)


class SecurityHeadersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        csp = CSP_API_DOCS if request.path.startswith("/api/docs") else CSP
        response.headers.setdefault("Content-Security-Policy", csp)
        response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and not request.path.startswith(settings.STATIC_URL):
            # Pages of governed data must not linger in shared or browser caches.
            response.headers.setdefault("Cache-Control", "no-store")
        return response
