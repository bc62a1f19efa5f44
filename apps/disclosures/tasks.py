"""Celery jobs of disclosures: thin wrappers that load ids, set the audit actor and call a service."""

from __future__ import annotations

import logging
from contextlib import nullcontext

from auditlog.context import set_actor
from celery import Task, shared_task
from django.db import OperationalError

from apps.common.errors import ApplicationError

logger = logging.getLogger("alprportal.disclosures.tasks")


class ReleasePackageTask(Task):
    """Marks the tracked package failed, with the reason, when the job gives up."""

    def on_failure(self, exc, task_id, args, kwargs, einfo):
        from apps.disclosures.packages import release_package_mark_failed

        package_id = args[0] if args else kwargs.get("package_id")
        message = exc.message if isinstance(exc, ApplicationError) else f"{type(exc).__name__}: {exc}"
        try:
            release_package_mark_failed(package_id=package_id, error=message, actor=_actor(kwargs.get("actor_id")))
        except Exception:  # the failure itself is already logged by Celery
            logger.exception("Could not mark release package %s failed", package_id)


def _actor(actor_id):
    if not actor_id:
        return None
    from apps.accounts.models import User

    return User.objects.filter(pk=actor_id).first()


@shared_task(bind=True, base=ReleasePackageTask, acks_late=True, autoretry_for=(OperationalError, OSError),
             retry_backoff=5, retry_backoff_max=300, max_retries=3)
def disclosure_package_build(self, package_id: int, actor_id: int | None = None) -> dict:
    """Build the release package of an approved request (idempotent; ApplicationError is not retried)."""
    from apps.disclosures.packages import release_package_build

    actor = _actor(actor_id)
    with set_actor(actor) if actor else nullcontext():
        package = release_package_build(package_id=package_id, actor=actor)
    return {"package_id": package.pk, "status": package.status, "sha256": package.file_sha256,
            "read_count": package.read_count}

