"""The review run (R-AUD-3): nightly from celery beat, or on demand by a supervisor or the custodian. Each run is a
tracked row (status, window, rows read, flags found, timing, error); new flags are announced to the supervisors they
go to, never to the flagged person."""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from apps.audit.services import event_record
from apps.common.errors import PermissionDeniedError
from apps.misuse.choices import RunStatus
from apps.misuse.detection import misuse_candidates, misuse_flags_store
from apps.misuse.models import MisuseFlag, MisuseRun

NOT_A_REVIEWER = "Only supervisors and the custodian run the review of the access log."


def misuse_review_run(*, actor=None, until=None, window_days: int | None = None) -> MisuseRun:
    """Review the access log of the last ``window_days`` (PORTAL["MISUSE_WINDOW_DAYS"]) before ``until`` (now).
    Idempotent: rerunning over the same log creates no flag twice. A failure is recorded on the run and re-raised."""
    if actor is not None and not actor.has_perm("misuse.review_misuseflags"):
        raise PermissionDeniedError(NOT_A_REVIEWER)
    until = until or timezone.now()
    since = until - timedelta(days=window_days or settings.PORTAL["MISUSE_WINDOW_DAYS"])
    run = MisuseRun.objects.create(started_at=timezone.now(), window_start=since, window_end=until,
                                   triggered_by=actor)
    try:
        with transaction.atomic():  # a savepoint: a failure is still recorded on the run below
            candidates, scanned = misuse_candidates(since=since, until=until)
            created, updated = misuse_flags_store(candidates=candidates, run=run)
    except Exception as exc:
        MisuseRun.objects.filter(pk=run.pk).update(status=RunStatus.FAILED, error=str(exc)[:2000],
                                                   finished_at=timezone.now())
        raise
    run.status, run.finished_at = RunStatus.DONE, timezone.now()
    run.rows_scanned, run.flags_created, run.flags_updated = scanned, created, updated
    run.save(update_fields=["status", "finished_at", "rows_scanned", "flags_created", "flags_updated"])
    with transaction.atomic():
        event_record(actor=actor, code="alprportal.misuse.review.ran", target=run,
                     data={"rows": scanned, "created": created, "updated": updated})
        transaction.on_commit(lambda: _announce(run))
    return run


def misuse_review_request(*, actor) -> None:
    """An on-demand run (R-AUD-3): sent to the worker after commit — over a large log it takes tens of seconds,
    longer than a page should wait. Never fails the request: with the broker down it is logged, and the nightly run
    covers the same window anyway (the review is idempotent)."""
    if actor is None or not actor.has_perm("misuse.review_misuseflags"):
        raise PermissionDeniedError(NOT_A_REVIEWER)
    from apps.common.celery_utils import task_send
    from apps.misuse.tasks import misuse_review_run as task

    with transaction.atomic():
        event_record(actor=actor, code="alprportal.misuse.review.requested", target=None)
        transaction.on_commit(lambda: task_send(task, actor_id=actor.pk))


def _announce(run: MisuseRun) -> None:
    from apps.accounts.models import User
    from apps.accounts.roles import Role
    from apps.notifications.models import Severity
    from apps.notifications.services import notification_send

    per_reviewer: dict[int, int] = defaultdict(int)
    unsupervised = 0
    for supervisor_id in MisuseFlag.objects.filter(run=run).values_list("subject__supervisor_id", flat=True):
        if supervisor_id is None:
            unsupervised += 1
        else:
            per_reviewer[supervisor_id] += 1
    recipients = {user.pk: user for user in User.objects.filter(pk__in=list(per_reviewer), is_active=True)}
    for reviewer_id, count in per_reviewer.items():
        if reviewer_id in recipients:
            notification_send(recipients=[recipients[reviewer_id]],
                              title=f"{count} new misuse flag{'s' if count != 1 else ''} on your team's searches",
                              link=reverse("misuse:list"), severity=Severity.WARNING,
                              dedupe_key=f"misuse.flags.{run.pk}.{reviewer_id}")
    if unsupervised:
        custodians = list(User.objects.filter(is_active=True, groups__name=Role.CUSTODIAN))
        if custodians:
            notification_send(recipients=custodians, title=f"{unsupervised} new misuse flags on searches by people "
                              "without a supervisor", link=reverse("misuse:list"), severity=Severity.WARNING,
                              dedupe_key=f"misuse.flags.{run.pk}.custodian")
