"""Celery jobs of evidence holds: thin wrappers that load ids, set the audit actor and call a service."""

from __future__ import annotations

import logging
from contextlib import nullcontext

from auditlog.context import set_actor
from celery import Task, shared_task
from django.db import OperationalError

from apps.common.celery_utils import task_is_resumed
from apps.common.errors import ApplicationError

logger = logging.getLogger("alprportal.holds.tasks")


def _actor(actor_id):
    if not actor_id:
        return None
    from apps.accounts.models import User

    return User.objects.filter(pk=actor_id).first()


class EvidenceExportTask(Task):
    """Marks the tracked export failed, with the reason, when the job gives up."""

    def on_failure(self, exc, task_id, args, kwargs, einfo):
        from apps.holds.exports import evidence_export_mark_failed

        export_id = args[0] if args else kwargs.get("export_id")
        message = exc.message if isinstance(exc, ApplicationError) else f"{type(exc).__name__}: {exc}"
        try:
            evidence_export_mark_failed(export_id=export_id, error=message, actor=_actor(kwargs.get("actor_id")))
        except Exception:
            logger.exception("Could not mark evidence export %s failed", export_id)


@shared_task(bind=True, base=EvidenceExportTask, acks_late=True, autoretry_for=(OperationalError, OSError),
             retry_backoff=5, retry_backoff_max=300, max_retries=3)
def evidence_export_build(self, export_id: int, actor_id: int | None = None) -> dict:
    """Build an evidence package (idempotent: a second message of one export is a no-op, ``evidence_export_claim``;
    ApplicationError is not retried)."""
    from apps.holds.exports import evidence_export_build as build
    from apps.holds.services import evidence_export_claim

    if not evidence_export_claim(export_id=export_id, resumed=task_is_resumed(self.request)):
        return {"export_id": export_id, "skipped": True}
    actor = _actor(actor_id)
    with set_actor(actor) if actor else nullcontext():
        export = build(export_id=export_id, actor=actor)
    return {"export_id": export.pk, "status": export.status, "sha256": export.file_sha256}


@shared_task(acks_late=True)
def holds_reaffirm_remind() -> dict:
    """Daily: remind investigators and supervisors of holds due for their yearly re-affirmation (deduplicated)."""
    from apps.holds.services import holds_reaffirm_remind as remind

    return {"due": remind()}


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=5, max_retries=3)
def evidence_exports_resend() -> list[int]:
    """Every 5 minutes: send again the job of evidence exports still queued (their message was lost, e.g. the broker
    was down when the export was requested). Idempotent: a duplicate message is a no-op."""
    from apps.holds.services import evidence_exports_resend as resend

    return resend()
