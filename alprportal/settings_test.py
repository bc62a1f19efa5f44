"""Settings for the test suite: the real settings, with test-only defaults for what production must set.

The suite runs against PostgreSQL (DATABASE_URL) and Redis db 15 so it never touches a developer's data.
"""

import os

os.environ.setdefault("DJANGO_DEBUG", "false")  # tests run production-shaped settings, whatever a local .env says
os.environ.setdefault("DJANGO_SECRET_KEY", "test-only-secret-key-not-for-production-0123456789abcdef")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/alprportal")
# Under pytest-xdist (`make test` runs the suite in parallel) each worker has its own test database (pytest-django
# adds the worker's name) and its own Redis database, 15 for gw0, 14 for gw1 and so on: one worker's tasks, locks and
# queues never reach another's.
_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
_REDIS = f"redis://127.0.0.1:6379/{15 - int(_WORKER[2:]) % 8 if _WORKER.startswith('gw') else 15}"
os.environ.setdefault("CELERY_BROKER_URL", _REDIS)
os.environ.setdefault("CELERY_RESULT_BACKEND", _REDIS)
os.environ.setdefault("DJANGO_SECURE_SSL_REDIRECT", "false")
os.environ.setdefault("DJANGO_SECURE_COOKIES", "false")
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")

from alprportal.settings import *  # noqa: E402,F403

# Hashing strength is not under test here (a test checks production's hasher list); speed is.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}  # noqa: F405
