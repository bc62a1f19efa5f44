"""Nightly review of the access log (R-AUD-3): thin, idempotent (the review creates no flag twice)."""

from celery import shared_task


@shared_task(name="apps.misuse.tasks.misuse_review_run")
def misuse_review_run(actor_id: int | None = None) -> int:
    from apps.accounts.models import User
    from apps.misuse.runs import misuse_review_run as run_review

    actor = User.objects.get(pk=actor_id) if actor_id else None
    return run_review(actor=actor).pk
