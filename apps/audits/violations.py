"""Reports of violations and errors (R-AUD-4, policy 004 §VIII): services (writes) and selectors (reads).

Any member (every internal role) reports to a supervisor of the rank of sergeant or higher, or a manager, of their
choice — not necessarily their own, who may be the one concerned. The chosen supervisor reviews and closes it with an
outcome; every move locks the row, checks the transition, writes the state and a domain event in one transaction,
and alerts on commit. The reporter, the supervisor it was sent to and the custodian (who counts them for the
oversight reports) see a report; anyone else gets a 404.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from apps.accounts.models import SERGEANT_OR_HIGHER, User
from apps.audit.transitions import row_lock, status_event_record, transition_apply, transition_check
from apps.audits.choices import VIOLATION_TRANSITIONS, ViolationKind, ViolationOutcome, ViolationStatus
from apps.audits.models import ViolationReport
from apps.common.errors import ApplicationError, PermissionDeniedError
from apps.notifications.models import Severity
from apps.notifications.services import notification_send_on_commit, notifications_resolve

NOT_A_MEMBER = "Only members of the agency file violation and error reports here."
SUPERVISOR_RANK_REQUIRED = "Send the report to a supervisor of the rank of sergeant or higher, or a manager."
NOT_TO_YOURSELF = "You cannot send a report to yourself; choose another supervisor."
DESCRIPTION_REQUIRED = "Describe what happened."
KIND_INVALID = "Choose whether it is an error, a suspected violation or a confirmed violation."
OCCURRED_IN_FUTURE = "The date it happened cannot be in the future."
NOT_THE_SUPERVISOR = "Only the supervisor the report was sent to can review and close it."
ILLEGAL_TRANSITION = "A report that is {current} cannot become {target}."
OUTCOME_REQUIRED = "Choose the outcome."
RESOLUTION_REQUIRED = "Say what was found and done."


def violation_supervisors(*, exclude=None) -> QuerySet[User]:
    """Active people who may receive a report: sergeant or higher, or manager (R-AUD-4)."""
    people = User.objects.filter(is_active=True, rank__in=SERGEANT_OR_HIGHER).order_by("last_name", "first_name")
    return people.exclude(pk=exclude.pk) if exclude is not None else people


def violation_reports_visible_to(*, user) -> QuerySet[ViolationReport]:
    reports = ViolationReport.objects.select_related("reported_by", "supervisor", "closed_by")
    if not user.is_authenticated:
        return reports.none()
    if user.has_perm("audits.view_all_violationreports"):
        return reports
    return reports.filter(Q(reported_by=user) | Q(supervisor=user))


def _refused(report: ViolationReport, target: str) -> ApplicationError:
    return ApplicationError(ILLEGAL_TRANSITION.format(current=ViolationStatus(report.status).label.lower(),
                                                      target=ViolationStatus(target).label.lower()),
                            code="illegal_transition")


# The report's state machine, for apps.audit.transitions.
_MACHINE = {"transitions": VIOLATION_TRANSITIONS, "refuse": _refused}


@transaction.atomic
def violation_report_submit(*, actor, kind: str, supervisor: User, description: str,
                            occurred_on=None) -> ViolationReport:
    """A member reports an error or a suspected or confirmed violation (R-AUD-4). Refused: for someone without
    ``audits.add_violationreport`` (PermissionDeniedError); to a person below sergeant (or inactive); to oneself;
    without a description; a date in the future. The supervisor is alerted on commit."""
    if actor is None or not actor.is_authenticated or not actor.has_perm("audits.add_violationreport"):
        raise PermissionDeniedError(NOT_A_MEMBER)
    if kind not in ViolationKind.values:
        raise ApplicationError(KIND_INVALID, code="kind_invalid")
    if supervisor is None or not supervisor.is_active or not supervisor.is_sergeant_or_higher:
        raise ApplicationError(SUPERVISOR_RANK_REQUIRED, code="supervisor_rank")
    if supervisor.pk == actor.pk:
        raise ApplicationError(NOT_TO_YOURSELF, code="not_to_yourself")
    description = (description or "").strip()
    if not description:
        raise ApplicationError(DESCRIPTION_REQUIRED, code="description_required")
    if occurred_on is not None and occurred_on > timezone.localdate():
        raise ApplicationError(OCCURRED_IN_FUTURE, code="occurred_in_future")
    report = ViolationReport(kind=kind, reported_by=actor, reported_at=timezone.now(), supervisor=supervisor,
                             occurred_on=occurred_on, description=description)
    report.full_clean()
    report.save()
    status_event_record(actor=actor, code="alprportal.audits.violation_report.submitted", target=report,
                        old_status=None, new_status=report.status, data={"kind": kind, "supervisor": supervisor.pk})
    notification_send_on_commit(
        recipients=[supervisor], title=f"{report.get_kind_display()} reported to you ({report.reference})",
        body="A member reported an error or a possible violation of the ALPR policy (policy 004 §VIII). Review it "
             "and record the outcome.",
        link=reverse("audits:violation", args=[report.pk]), severity=Severity.WARNING,
        dedupe_key=f"audits.violation.submitted.{report.pk}",
    )
    return report


def _locked_for_supervisor(actor, report: ViolationReport) -> ViolationReport:
    report = row_lock(report)
    if actor is None or report.supervisor_id != actor.pk:
        raise PermissionDeniedError(NOT_THE_SUPERVISOR)
    return report


@transaction.atomic
def violation_report_review(*, actor, report: ViolationReport) -> ViolationReport:
    """Submitted → under review, by the supervisor it was sent to."""
    report = _locked_for_supervisor(actor, report)
    transition_check(report, ViolationStatus.UNDER_REVIEW, **_MACHINE)
    transition_apply(report, ViolationStatus.UNDER_REVIEW, actor=actor,
                     event_code="alprportal.audits.violation_report.review_started",
                     changes={"review_started_at": timezone.now()}, **_MACHINE)
    return report


@transaction.atomic
def violation_report_close(*, actor, report: ViolationReport, outcome: str, resolution: str) -> ViolationReport:
    """Submitted or under review → closed with an outcome and what was found and done; the reporter is told."""
    report = _locked_for_supervisor(actor, report)
    if outcome not in ViolationOutcome.values:
        raise ApplicationError(OUTCOME_REQUIRED, code="outcome_required")
    resolution = (resolution or "").strip()
    if not resolution:
        raise ApplicationError(RESOLUTION_REQUIRED, code="resolution_required")
    transition_check(report, ViolationStatus.CLOSED, **_MACHINE)
    transition_apply(report, ViolationStatus.CLOSED, actor=actor,
                     event_code="alprportal.audits.violation_report.closed",
                     changes={"outcome": outcome, "resolution": resolution, "closed_at": timezone.now(),
                              "closed_by": actor}, data={"outcome": outcome}, **_MACHINE)
    notifications_resolve(dedupe_keys=[f"audits.violation.submitted.{report.pk}"])  # issue #17: the alert clears
    reporter = report.reported_by
    notification_send_on_commit(
        recipients=[reporter], title=f"Your report {report.reference} was closed: {report.get_outcome_display()}",
        link=reverse("audits:violation", args=[report.pk]), dedupe_key=f"audits.violation.closed.{report.pk}",
    )
    return report
