"""The Celery application. Tasks live in each app's ``tasks.py``; the beat schedule lives in settings."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "alprportal.settings")

app = Celery("alprportal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
