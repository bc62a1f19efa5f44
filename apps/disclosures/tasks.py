"""Celery jobs of disclosures: thin wrappers that load ids, set the audit actor and call a service."""

from __future__ import annotations

import logging
from contextlib import nullcontext

from auditlog.context import set_actor
from celery import Task, shared_task
from django.db import OperationalError

from apps.common.celery_utils import task_is_resumed
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
    """Build the release package of an approved request (idempotent: a second message of one package is a no-op,
    ``release_package_claim``; ApplicationError is not retried)."""
    from apps.disclosures.packages import release_package_build
    from apps.disclosures.services import release_package_claim

    if not release_package_claim(package_id=package_id, resumed=task_is_resumed(self.request)):
        return {"package_id": package_id, "skipped": True}
    actor = _actor(actor_id)
    with set_actor(actor) if actor else nullcontext():
        package = release_package_build(package_id=package_id, actor=actor)
    return {"package_id": package.pk, "status": package.status, "sha256": package.file_sha256,
            "read_count": package.read_count}



@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=5, max_retries=3)
def release_packages_resend() -> list[int]:
    """Every 5 minutes: send again the build job of packages still queued (their message was lost, e.g. the broker
    was down when the approval committed). Idempotent: a duplicate message is a no-op."""
    from apps.disclosures.services import release_packages_resend as resend

    return resend()
