"""OpenAPI description of the camera credential (loaded by ReadsConfig.ready)."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class CameraTokenScheme(OpenApiAuthenticationExtension):
    target_class = "apps.reads.authentication.CameraTokenAuthentication"
    name = "cameraToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey", "in": "header", "name": "Authorization",
            "description": "`Camera <token>`: a per-camera token that can only ingest reads (R-READ-1).",
        }
