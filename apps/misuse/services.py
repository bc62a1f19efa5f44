"""Writes of the misuse app: supervisors' case-number overrides and refused attempts (R-READ-3) and the resolution
of flags (R-AUD-3, R-AUD-4). Each locks, checks, writes and records a domain event in one transaction."""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from apps.audit.services import event_record
from apps.audit.transitions import mark_row_locked, transition_apply
from apps.audits.choices import ViolationKind
from apps.audits.violations import violation_report_submit
from apps.common.errors import ApplicationError, PermissionDeniedError
from apps.misuse.choices import FLAG_TRANSITIONS, FlagStatus
from apps.misuse.models import CaseNumberOverride, CaseNumberRefusal, MisuseFlag
from apps.misuse.selectors import misuse_flag_list_visible_to

NOT_THEIR_SUPERVISOR = "Only the person's supervisor can override a case number for them."
OVERRIDE_REASON_REQUIRED = "Say why this number may be used although the records system does not confirm it."
OVERRIDE_NUMBER_REQUIRED = "Give the case number to allow."
FINDING_INVALID = "Choose whether the searches were justified."
FINDING_NOTE_REQUIRED = "Record what you found."
ALREADY_RESOLVED = "This flag was already resolved."
RECIPIENT_REQUIRED = ("A search found not justified is reported as a violation to a supervisor of the rank of "
                      "sergeant or higher other than you (R-AUD-4): choose one.")
OVERRIDE_HOURS = 72


@transaction.atomic
def case_number_override_grant(*, actor, person, case_number: str, reason: str,
                               hours: int = OVERRIDE_HOURS) -> CaseNumberOverride:
    """The person's supervisor lets them search under a number the records system does not confirm (R-READ-3):
    recorded with the reason, valid ``hours``; searches under it are recorded as overridden and flagged for review.
    PermissionDeniedError for anyone but the person's supervisor (holding ``misuse.add_casenumberoverride``)."""
    if (actor is None or not actor.has_perm("misuse.add_casenumberoverride") or person is None
            or person.supervisor_id != actor.pk):
        raise PermissionDeniedError(NOT_THEIR_SUPERVISOR)
    case_number = (case_number or "").strip()[:64]
    reason = (reason or "").strip()
    if not case_number:
        raise ApplicationError(OVERRIDE_NUMBER_REQUIRED, code="override_number_required")
    if not reason:
        raise ApplicationError(OVERRIDE_REASON_REQUIRED, code="override_reason_required")
    now = timezone.now()
    override = CaseNumberOverride(agency_id=person.agency_id, person=person, case_number=case_number, reason=reason,
                                  granted_by=actor, granted_at=now,
                                  expires_at=now + timedelta(hours=max(1, min(int(hours), 24 * 14))))
    override.full_clean()
    override.save()
    event_record(actor=actor, code="alprportal.misuse.case_override.granted", target=override,
                 data={"person": person.pk, "case_number": case_number, "expires_at": override.expires_at})
    return override


def case_number_refusal_record(*, user, case_number: str, purpose: str, code: str, message: str) -> CaseNumberRefusal:
    """Record a search refused for its case number (R-READ-3): who, when, the number (cut to 64 characters), the
    stated purpose and why — nothing of what was searched for. Counted by the nightly review (R-AUD-3)."""
    with transaction.atomic():
        refusal = CaseNumberRefusal(user=user, agency_id=getattr(user, "agency_id", None),
                                    occurred_at=timezone.now(), case_number=(case_number or "")[:64],
                                    purpose=(purpose or "")[:40], code=code[:40], message=message)
        refusal.full_clean()
        refusal.save()
    return refusal


@transaction.atomic
def _run_alert_resolve_when_done(flag: MisuseFlag) -> None:
    """The run's "N new misuse flags" alert to a reviewer leaves their home page once none of that run's flags on
    their team is open (issue #17); the custodians' alert likewise for the flags on people without a supervisor."""
    from apps.notifications.services import notifications_resolve

    if flag.run_id is None:
        return
    supervisor_id = flag.subject.supervisor_id
    still_open = MisuseFlag.objects.filter(run_id=flag.run_id, status=FlagStatus.OPEN,
                                           subject__supervisor_id=supervisor_id)
    if supervisor_id is None:
        still_open = MisuseFlag.objects.filter(run_id=flag.run_id, status=FlagStatus.OPEN,
                                               subject__supervisor__isnull=True)
    if not still_open.exists():
        who = supervisor_id if supervisor_id is not None else "custodian"
        notifications_resolve(dedupe_keys=[f"misuse.flags.{flag.run_id}.{who}"])


def misuse_flag_resolve(*, actor, flag: MisuseFlag, finding: str, note: str, report_to=None) -> MisuseFlag:
    """The supervisor records a finding (R-AUD-3): justified, or not justified — then a confirmed-violation report
    goes to ``report_to`` (sergeant or higher, not the actor) and is tracked to closure (R-AUD-4). A flag the actor
    may not see is MisuseFlag.DoesNotExist (the views' 404)."""
    flag = misuse_flag_list_visible_to(user=actor).select_for_update(of=("self",)).get(pk=flag.pk)
    mark_row_locked(flag)  # the visibility selector's queryset took the lock (a hidden flag is DoesNotExist)
    if flag.status != FlagStatus.OPEN:
        raise ApplicationError(ALREADY_RESOLVED, code="already_resolved")
    if finding not in (FlagStatus.JUSTIFIED, FlagStatus.NOT_JUSTIFIED):
        raise ApplicationError(FINDING_INVALID, code="finding_invalid")
    note = (note or "").strip()
    if not note:
        raise ApplicationError(FINDING_NOTE_REQUIRED, code="finding_note_required")
    if finding == FlagStatus.NOT_JUSTIFIED:
        if report_to is None or report_to.pk == actor.pk:
            raise ApplicationError(RECIPIENT_REQUIRED, code="recipient_required")
        flag.violation_report = violation_report_submit(
            actor=actor, kind=ViolationKind.CONFIRMED_VIOLATION, supervisor=report_to,
            occurred_on=timezone.localdate(flag.last_at),
            # The flag's reason names plates; the report points at the flag (whose page logs its viewing) instead.
            description=f"{flag.reference} ({flag.get_kind_display()}) about {flag.subject}, "
                        f"{len(flag.row_seqs)} access-log row(s), found not justified.\n\nFinding: {note}",
        )
    flag.finding, flag.resolved_by, flag.resolved_at = note, actor, timezone.now()
    transition_apply(flag, finding, actor=actor, event_code="alprportal.misuse.flag.resolved",
                     update_fields=["finding", "resolved_by", "resolved_at", "violation_report"],
                     data={"violation_report": flag.violation_report_id}, transitions=FLAG_TRANSITIONS,
                     refuse=lambda *_: ApplicationError(ALREADY_RESOLVED, code="already_resolved"))
    _run_alert_resolve_when_done(flag)
    return flag
