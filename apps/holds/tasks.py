"""Celery jobs of evidence holds: thin wrappers that load ids, set the audit actor and call a service."""

from __future__ import annotations

from contextlib import nullcontext

from auditlog.context import set_actor
from celery import shared_task
from django.db import OperationalError

from apps.common.celery_utils import task_is_resumed
from apps.common.jobs import TrackedJobTask, job_actor, job_claim


@shared_task(bind=True, base=TrackedJobTask, job_model="holds.EvidenceExport", job_id_arg="export_id",
             acks_late=True, autoretry_for=(OperationalError, OSError), retry_backoff=5, retry_backoff_max=300,
             max_retries=3)
def evidence_export_build(self, export_id: int, actor_id: int | None = None) -> dict:
    """Build an evidence package (idempotent: a second message of one export is a no-op, ``job_claim``;
    ApplicationError is not retried; when the job gives up the export is marked failed with the reason,
    ``TrackedJobTask``)."""
    from apps.holds.exports import evidence_export_build as build
    from apps.holds.models import EvidenceExport

    if job_claim(model=EvidenceExport, job_id=export_id, resumed=task_is_resumed(self.request)) is None:
        return {"export_id": export_id, "skipped": True}
    actor = job_actor(actor_id)
    with set_actor(actor) if actor else nullcontext():
        export = build(export_id=export_id, actor=actor)
    return {"export_id": export.pk, "status": export.status, "sha256": export.file_sha256}


@shared_task(acks_late=True)
def holds_reaffirm_remind() -> dict:
    """Daily: remind investigators and supervisors of holds due for their yearly re-affirmation (deduplicated)."""
    from apps.holds.services.lifecycle import holds_reaffirm_remind as remind

    return {"due": remind()}


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=5, max_retries=3)
def evidence_exports_resend() -> list[int]:
    """Every 5 minutes: send again the job of evidence exports still queued (their message was lost, e.g. the broker
    was down when the export was requested). Idempotent: a duplicate message is a no-op."""
    from apps.holds.services.exports import evidence_exports_resend as resend

    return resend()
