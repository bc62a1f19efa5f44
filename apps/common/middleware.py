"""Response headers the stock middleware does not set (Content-Security-Policy, Permissions-Policy)."""

from urllib.parse import urlsplit

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


def csp_with_map_tiles(csp: str) -> str:
    """The agency's own tile server (``MAP_TILE_URL``), when configured, is the one outside origin images may come
    from; without it the maps use the vendored offline basemap and the policy is unchanged."""
    parts = urlsplit(getattr(settings, "MAP_TILE_URL", "") or "")
    if parts.scheme not in ("http", "https") or not parts.netloc or "{" in parts.netloc:
        return csp
    return csp.replace("img-src 'self' data:", f"img-src 'self' data: {parts.scheme}://{parts.netloc}")


class SecurityHeadersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        csp = CSP_API_DOCS if request.path.startswith("/api/docs") else CSP
        response.headers.setdefault("Content-Security-Policy", csp_with_map_tiles(csp))
        response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and not request.path.startswith(settings.STATIC_URL):
            # Pages of governed data must not linger in shared or browser caches.
            response.headers.setdefault("Cache-Control", "no-store")
        return response
