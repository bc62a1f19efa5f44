"""The release package job of an approved disclosure request: enqueue and the catch-up resend."""

from __future__ import annotations

from datetime import timedelta

from apps.common.celery_utils import QUEUED_JOB_RESEND_AFTER, task_send_on_commit
from apps.common.jobs import JOBS_RESEND_LIMIT, jobs_resend
from apps.disclosures.models import ReleasePackage


def release_package_enqueue(package: ReleasePackage, *, actor) -> None:
    """Send the package's build job once the transaction commits (on approval, and on a retry)."""
    from apps.disclosures.tasks import disclosure_package_build

    # After commit: the worker must see the approved request and the queued package row. Never raises: with the
    # broker down the approval still succeeds and the package stays queued until release_packages_resend (issue #9).
    task_send_on_commit(disclosure_package_build, package.pk, actor_id=actor.pk)


# --- release package jobs (issue #9: nothing is lost when the broker is down) ------------------------------------


def release_packages_resend(*, queued_for: timedelta = QUEUED_JOB_RESEND_AFTER, limit: int = JOBS_RESEND_LIMIT
                            ) -> list[int]:
    """Send again the build job of every package still queued after ``queued_for`` (its message was lost: the
    broker was down when the approval committed); oldest first, at most ``limit``. Returns the ids sent. Never raises
    for a broker outage (the packages stay queued for the next run); a duplicate message is a no-op (``job_claim``).
    The job runs as the person who approved it."""
    from apps.disclosures.tasks import disclosure_package_build

    return jobs_resend(model=ReleasePackage, task=disclosure_package_build, queued_for=queued_for, limit=limit,
                       task_kwargs=lambda package: {"actor_id": package.requested_by_id})
