"""The JSON parser of the camera ingest endpoints: their own body limit, and unstorable text refused per read."""

from __future__ import annotations

from django.conf import settings

from apps.common.api.parsers import PortalJSONParser


class CameraIngestJSONParser(PortalJSONParser):
    """The portal's JSON parser, but text PostgreSQL cannot store (a NUL, an unpaired surrogate) is left to the
    ingest services: a batch refuses the one read that holds it and stores the others, the webhook names the field
    as the agent sent it and cleans the agent's labels (``apps.reads.services.ingest``, ``…openalpr``)."""

    refuses_unstorable_text = False

    @property
    def max_body_bytes(self) -> int:
        """A batch of 1,000 reads with their images is megabytes: not bound by API_MAX_BODY_BYTES."""
        return settings.DATA_UPLOAD_MAX_MEMORY_SIZE
