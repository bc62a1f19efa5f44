"""Celery jobs of disclosures: thin wrappers that load ids, set the audit actor and call a service."""

from __future__ import annotations

from contextlib import nullcontext

from auditlog.context import set_actor
from celery import shared_task
from django.db import OperationalError

from apps.common.celery_utils import task_is_resumed
from apps.common.jobs import TrackedJobTask, job_actor, job_claim


@shared_task(bind=True, base=TrackedJobTask, job_model="disclosures.ReleasePackage", job_id_arg="package_id",
             acks_late=True, autoretry_for=(OperationalError, OSError), retry_backoff=5, retry_backoff_max=300,
             max_retries=3)
def disclosure_package_build(self, package_id: int, actor_id: int | None = None) -> dict:
    """Build the release package of an approved request (idempotent: a second message of one package is a no-op,
    ``job_claim``; ApplicationError is not retried; when the job gives up the package is marked failed with the
    reason, ``TrackedJobTask``)."""
    from apps.disclosures.models import ReleasePackage
    from apps.disclosures.packages import release_package_build

    # R-SHR-4: a package is built once; a run continuing its own earlier run may take over a package left running.
    if job_claim(model=ReleasePackage, job_id=package_id, resumed=task_is_resumed(self.request)) is None:
        return {"package_id": package_id, "skipped": True}
    actor = job_actor(actor_id)
    with set_actor(actor) if actor else nullcontext():
        package = release_package_build(package_id=package_id, actor=actor)
    return {"package_id": package.pk, "status": package.status, "sha256": package.file_sha256,
            "read_count": package.read_count}


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=5, max_retries=3)
def release_packages_resend() -> list[int]:
    """Every 5 minutes: send again the build job of packages still queued (their message was lost, e.g. the broker
    was down when the approval committed). Idempotent: a duplicate message is a no-op."""
    from apps.disclosures.services.release import release_packages_resend as resend

    return resend()
