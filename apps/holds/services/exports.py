"""Evidence packages of a hold: the export job, the outside-recipient refusal and the catch-up resend."""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction

from apps.audit.services import event_record
from apps.audit.transitions import row_lock
from apps.common.celery_utils import QUEUED_JOB_RESEND_AFTER, task_send_on_commit
from apps.common.errors import ApplicationError, PermissionDeniedError
from apps.common.jobs import JOBS_RESEND_LIMIT, jobs_resend
from apps.holds.choices import ExportStatus, HoldStatus
from apps.holds.models import EvidenceExport, EvidenceHold
from apps.holds.services.machine import LOCK_RELATED

EXPORT_NOT_ALLOWED = "You may not export evidence packages."
EXPORT_HOLD_NOT_ACTIVE = "Only an active hold can be exported; this one is {status}."
EXPORT_IN_PROGRESS = "An evidence package of this hold is already being built."
EXPORT_OUTSIDE_IS_A_DISCLOSURE = (
    "An evidence package is built only for this agency; an outside recipient makes the export a disclosure request "
    "for the custodian of records (R-SHR-8)."
)
EXPORT_NOTHING_HELD = "The hold covers no reads; there is nothing to export."


def evidence_export_request(*, actor, hold: EvidenceHold, recipient) -> EvidenceExport:
    """Queue an evidence package of an active hold (000 462.4: downloaded onto portable media and booked into
    evidence), built by a Celery job after commit, for the recipient it names (R-SHR-8: ``recipient``, an
    apps.disclosures.egress.ExportRecipient). Only an internal recipient gets a package here; for an outside one use
    ``evidence_export_for_outside_recipient`` (refused here with its code)."""
    from apps.holds.tasks import evidence_export_build

    if not actor.has_perm("holds.add_evidenceexport"):
        raise PermissionDeniedError(EXPORT_NOT_ALLOWED, code="export_not_allowed")
    if recipient.outside:
        raise ApplicationError(EXPORT_OUTSIDE_IS_A_DISCLOSURE, code="export_outside_is_a_disclosure")
    with transaction.atomic():
        hold = row_lock(hold, related=LOCK_RELATED)
        if hold.status != HoldStatus.ACTIVE:
            raise ApplicationError(EXPORT_HOLD_NOT_ACTIVE.format(status=hold.get_status_display().lower()),
                                   code="export_hold_not_active")
        if hold.exports.filter(status__in=[ExportStatus.QUEUED, ExportStatus.RUNNING]).exists():
            raise ApplicationError(EXPORT_IN_PROGRESS, code="export_in_progress")
        export = EvidenceExport.objects.create(hold=hold, requested_by=actor, recipient=recipient.label)
        event_record(actor=actor, code="alprportal.holds.export.requested", target=hold,
                     data={"export_id": export.pk, "recipient": recipient.label})
        # Never raises: with the broker down the request still succeeds and the export stays queued until
        # evidence_exports_resend sends it (issue #9).
        task_send_on_commit(evidence_export_build, export.pk, actor_id=actor.pk)
    return export


def evidence_export_for_outside_recipient(*, actor, hold: EvidenceHold, recipient):
    """R-SHR-8: the held reads for an outside recipient are a disclosure, not an evidence package: a disclosure
    request entered on the outside agency's behalf (the held plates, from the first to the last held read), waiting
    for the custodian of records. Nothing is built or downloadable until it is authorized."""
    from datetime import timedelta

    from apps.disclosures.egress import disclosure_request_enter_for_export

    if not actor.has_perm("holds.add_evidenceexport"):
        raise PermissionDeniedError(EXPORT_NOT_ALLOWED, code="export_not_allowed")
    if hold.status != HoldStatus.ACTIVE:
        raise ApplicationError(EXPORT_HOLD_NOT_ACTIVE.format(status=hold.get_status_display().lower()),
                               code="export_hold_not_active")
    held = list(hold.held_reads.values_list("plate", "captured_at"))
    if not held:
        raise ApplicationError(EXPORT_NOTHING_HELD, code="export_nothing_held")
    entered = disclosure_request_enter_for_export(
        actor=actor, recipient=recipient, purpose=hold.purpose, case_number=hold.case_number,
        plates=sorted({plate for plate, _at in held}), time_from=min(at for _p, at in held),
        time_to=max(at for _p, at in held) + timedelta(seconds=1), source=f"evidence hold {hold.reference}")
    with transaction.atomic():
        event_record(actor=actor, code="alprportal.holds.export.outside_requested", target=hold,
                     data={"disclosure_request_id": entered.pk, "recipient": recipient.label})
    return entered


# --- evidence export jobs (issue #9: nothing is lost when the broker is down) ----------------------------------

def evidence_exports_resend(*, queued_for: timedelta = QUEUED_JOB_RESEND_AFTER, limit: int = JOBS_RESEND_LIMIT
                            ) -> list[int]:
    """Send again the job of every evidence export still queued after ``queued_for`` (its message was lost: the
    broker was down when the request committed); oldest first, at most ``limit``. Returns the ids sent. Never raises
    for a broker outage (the exports stay queued for the next run); a duplicate message is a no-op (``job_claim``).
    The job runs as the person who requested the export."""
    from apps.holds.tasks import evidence_export_build

    return jobs_resend(model=EvidenceExport, task=evidence_export_build, queued_for=queued_for, limit=limit,
                       task_kwargs=lambda export: {"actor_id": export.requested_by_id})
