"""Imagery OCR (issue #4, R-READ-1): uploaded photos become reads through a Celery pipeline.

``engine/`` is the pure-Python plate reader (no Django); the rest of the app wraps it: upload jobs and their photos
(``models``), the writes (``services``), the reads of jobs and data quality (``selectors``), the thin Celery task
(``tasks``), pages (``views``) and the API (``api/``).
"""
