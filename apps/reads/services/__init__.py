"""Writes of the reads capability (cameras, credentials, ingest, corrections). Views, API views, admin actions and
commands call only these functions."""
