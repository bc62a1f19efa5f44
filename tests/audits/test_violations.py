"""R-AUD-4: any member reports a suspected violation or an error to a supervisor of the rank of sergeant or higher
(or a manager); the report is tracked to closure and counted in the oversight reports."""

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.accounts.models import Rank
from apps.accounts.roles import Role
from apps.audits.choices import ViolationKind, ViolationOutcome, ViolationStatus
from apps.audits.models import ViolationReport
from apps.audits.violations import (
    ILLEGAL_TRANSITION,
    NOT_THE_SUPERVISOR,
    NOT_TO_YOURSELF,
    OCCURRED_IN_FUTURE,
    RESOLUTION_REQUIRED,
    SUPERVISOR_RANK_REQUIRED,
    violation_report_close,
    violation_report_review,
    violation_report_submit,
    violation_reports_visible_to,
)
from apps.common.errors import ApplicationError, PermissionDeniedError
from apps.notifications.models import Notification
from apps.reports.figures import summary_value
from apps.reports.sections.accountability import accountability_aggregate
from tests.events import domain_events

pytestmark = pytest.mark.django_db


@pytest.fixture
def sergeant(make_user):
    return make_user(Role.SUPERVISOR, rank=Rank.SERGEANT, first_name="Sam", last_name="Sergeant")


def test_a_member_reports_to_a_sergeant_who_closes_it(operator, sergeant, custodian, make_user,
                                                      django_capture_on_commit_callbacks):
    # R-AUD-4: submitted → under review → closed, each an audit event; both sides are told.
    with django_capture_on_commit_callbacks(execute=True):
        report = violation_report_submit(actor=operator, kind=ViolationKind.SUSPECTED_VIOLATION, supervisor=sergeant,
                                         description="A colleague searched a neighbour's car without a case.",
                                         occurred_on=date(2026, 11, 30))
    assert report.status == ViolationStatus.SUBMITTED
    assert Notification.objects.filter(recipient=sergeant, dedupe_key=f"audits.violation.submitted.{report.pk}")

    other = make_user(Role.SUPERVISOR, rank=Rank.LIEUTENANT)
    with pytest.raises(PermissionDeniedError) as error:
        violation_report_review(actor=other, report=report)
    assert error.value.message == NOT_THE_SUPERVISOR
    violation_report_review(actor=sergeant, report=report)
    with pytest.raises(ApplicationError) as error:
        violation_report_close(actor=sergeant, report=report, outcome=ViolationOutcome.SUBSTANTIATED, resolution="")
    assert error.value.message == RESOLUTION_REQUIRED
    with django_capture_on_commit_callbacks(execute=True):
        report = violation_report_close(actor=sergeant, report=report, outcome=ViolationOutcome.SUBSTANTIATED,
                                        resolution="Confirmed with the access log; referred for discipline.")
    assert report.status == ViolationStatus.CLOSED and report.closed_by == sergeant
    assert Notification.objects.filter(recipient=operator, dedupe_key=f"audits.violation.closed.{report.pk}")
    with pytest.raises(ApplicationError) as error:
        violation_report_review(actor=sergeant, report=report)
    assert error.value.message == ILLEGAL_TRANSITION.format(current="closed", target="under review")
    codes = domain_events("alprportal.audits.violation", target=report)
    assert codes == ["alprportal.audits.violation_report.submitted",
                     "alprportal.audits.violation_report.review_started",
                     "alprportal.audits.violation_report.closed"]

    # Who sees it: the reporter, the sergeant, the custodian; not another supervisor.
    for person, sees in ((operator, True), (sergeant, True), (custodian, True), (other, False)):
        assert violation_reports_visible_to(user=person).filter(pk=report.pk).exists() is sees


def test_only_a_sergeant_or_higher_receives_reports(operator, investigator, sergeant, make_user, oversight_user):
    # R-AUD-4
    plain_supervisor = make_user(Role.SUPERVISOR)  # no rank recorded
    deputy = make_user(Role.OPERATOR, rank=Rank.OFFICER)
    manager = make_user(Role.CUSTODIAN, rank=Rank.MANAGER)
    for person in (plain_supervisor, deputy):
        with pytest.raises(ApplicationError) as error:
            violation_report_submit(actor=operator, kind=ViolationKind.ERROR, supervisor=person, description="x")
        assert error.value.message == SUPERVISOR_RANK_REQUIRED
    with pytest.raises(ApplicationError) as error:
        violation_report_submit(actor=sergeant, kind=ViolationKind.ERROR, supervisor=sergeant, description="x")
    assert error.value.message == NOT_TO_YOURSELF
    with pytest.raises(ApplicationError) as error:
        violation_report_submit(actor=operator, kind=ViolationKind.ERROR, supervisor=sergeant, description="x",
                                occurred_on=timezone.localdate() + timedelta(days=1))
    assert error.value.message == OCCURRED_IN_FUTURE
    with pytest.raises(PermissionDeniedError):  # oversight accounts are not members of the agency
        violation_report_submit(actor=oversight_user, kind=ViolationKind.ERROR, supervisor=sergeant, description="x")
    assert violation_report_submit(actor=investigator, kind=ViolationKind.ERROR, supervisor=manager,
                                   description="Wrong plate entered on a hot list.").supervisor == manager


def test_reports_are_counted_in_the_oversight_report(operator, investigator, sergeant):
    # R-AUD-4: received, closed, open at the end of the period, by kind and outcome.
    first = violation_report_submit(actor=operator, kind=ViolationKind.ERROR, supervisor=sergeant,
                                    description="Misread acted on.")
    violation_report_submit(actor=investigator, kind=ViolationKind.SUSPECTED_VIOLATION, supervisor=sergeant,
                            description="Query without a case.")
    violation_report_close(actor=sergeant, report=first, outcome=ViolationOutcome.ERROR_CORRECTED,
                           resolution="Hit record corrected.")
    today = timezone.localdate()
    figures = accountability_aggregate(today - timedelta(days=1), today)
    assert summary_value(figures, "violations_received")["value"] == 2
    assert summary_value(figures, "violations_closed")["value"] == 1
    assert summary_value(figures, "violations_open_end")["value"] == 1
    by_kind = next(t for t in figures["tables"] if t["key"] == "violations_by_kind")
    assert by_kind["total"] == ["Total", 2]
    assert accountability_aggregate(today - timedelta(days=40), today - timedelta(days=2))["summary"][0]["value"] == 0


def test_the_pages_file_and_close_a_report(client, make_user, sergeant):
    # R-AUD-4: a member with lapsed training can still report; the sergeant closes it on the page.
    lapsed = make_user(Role.OPERATOR, trained=False)
    client.force_login(lapsed)
    page = client.get(reverse("audits:violation_new"))
    assert page.status_code == 200 and b"Sam Sergeant" in page.content
    response = client.post(reverse("audits:violation_new"), {
        "kind": ViolationKind.ERROR, "supervisor": sergeant.pk, "description": "I entered the wrong case number.",
    })
    report = ViolationReport.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("audits:violation", args=[report.pk])
    assert client.post(reverse("audits:violation_action", args=[report.pk, "close"]),
                       {"outcome": "error_corrected", "resolution": "x"}, follow=True).status_code == 200
    report.refresh_from_db()
    assert report.status == ViolationStatus.SUBMITTED  # the reporter cannot close their own report

    client.force_login(sergeant)
    assert b"Sent to you, open" in client.get(reverse("audits:violations")).content
    client.post(reverse("audits:violation_action", args=[report.pk, "review"]))
    client.post(reverse("audits:violation_action", args=[report.pk, "close"]),
                {"outcome": ViolationOutcome.ERROR_CORRECTED, "resolution": "Case number corrected in the log note."})
    report.refresh_from_db()
    assert report.status == ViolationStatus.CLOSED and report.outcome == ViolationOutcome.ERROR_CORRECTED

    stranger = make_user(Role.INVESTIGATOR)
    client.force_login(stranger)
    assert client.get(reverse("audits:violation", args=[report.pk])).status_code == 404
