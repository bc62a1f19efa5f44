"""R-REP-1a: an issued report records its transmittal to each oversight body (who sent which rendition, when, how);
due dates are judged on transmittal, not on issuing; the due period never exceeds 90 days; the redacted rendition
states the legal basis of each redaction class."""

from datetime import date, datetime, timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from apps.audit.models import DomainEvent
from apps.common.errors import ApplicationError, PermissionDeniedError
from apps.notifications.models import Notification, Severity
from apps.reports.checks import report_due_days_within_policy
from apps.reports.choices import Audience, OversightBody, TransmittalMethod
from apps.reports.models import OversightReport, ReportTransmittal
from apps.reports.periods import report_period
from apps.reports.redaction import REDACTION_CLASSES
from apps.reports.services.schedule import reports_alert_due
from apps.reports.services.transmittals import (
    TRANSMIT_BEFORE_ISSUE,
    TRANSMIT_BODY_NOT_RECIPIENT,
    TRANSMIT_NOT_ISSUED,
    TRANSMIT_OTHER_NEEDS_NOTE,
    report_transmittal_record,
)
from tests.reports.support import draft_and_render, issue_and_finalize, pdf_text

pytestmark = pytest.mark.django_db

IG, COMMISSION, BOARD = (OversightBody.INSPECTOR_GENERAL, OversightBody.OVERSIGHT_COMMISSION,
                         OversightBody.BOARD_OF_SUPERVISORS)


def _local(day: date, hour: int = 10) -> datetime:
    return timezone.make_aware(datetime(day.year, day.month, day.day, hour), timezone.get_current_timezone())


@pytest.fixture
def issued(custodian):
    return issue_and_finalize(actor=custodian, report=draft_and_render(actor=custodian))


def test_each_body_gets_its_own_rendition_recorded_with_who_when_how(custodian, issued):
    # R-REP-1a: the Inspector General is sent the unredacted PDF, the Commission and the Board the redacted one.
    sent = report_transmittal_record(actor=custodian, report=issued, body=IG, method=TransmittalMethod.EMAIL,
                                     recipient="oig@example.org")
    assert sent.audience == Audience.INSPECTOR_GENERAL and sent.sent_by == custodian
    assert sent.rendition_sha256 == issued.renditions.get(audience=Audience.INSPECTOR_GENERAL).sha256
    board = report_transmittal_record(actor=custodian, report=issued, body=BOARD, method=TransmittalMethod.HAND)
    assert board.audience == Audience.OVERSIGHT_COMMISSION
    assert issued.bodies_not_transmitted() == [COMMISSION]
    assert not DomainEvent.objects.filter(code="alprportal.reports.report.transmitted").exists()

    report_transmittal_record(actor=custodian, report=issued, body=COMMISSION, method=TransmittalMethod.PORTAL)
    report = OversightReport.objects.prefetch_related("transmittals").get(pk=issued.pk)
    # The H1 report is issued "now" in this test: on time only if now is within its due date.
    late = timezone.localdate() > report.due_on
    assert report.bodies_not_transmitted() == []
    assert report.display_status == ("transmitted late" if late else "transmitted")
    assert DomainEvent.objects.filter(code="alprportal.reports.transmittal.recorded").count() == 3
    done = DomainEvent.objects.get(code="alprportal.reports.report.transmitted", target_id=str(report.pk))
    assert done.data["on_time"] is not late

    # The database holds the pairing too: an unredacted PDF to the Commission is refused.
    with pytest.raises(IntegrityError), transaction.atomic():
        ReportTransmittal.objects.filter(pk=board.pk).update(audience=Audience.INSPECTOR_GENERAL)


def test_transmittals_are_refused_when_they_cannot_be_right(custodian, supervisor, issued):
    # R-REP-1a
    with pytest.raises(PermissionDeniedError):
        report_transmittal_record(actor=supervisor, report=issued, body=IG, method=TransmittalMethod.EMAIL)
    with pytest.raises(ApplicationError) as error:
        report_transmittal_record(actor=custodian, report=issued, body=IG, method=TransmittalMethod.OTHER)
    assert error.value.message == TRANSMIT_OTHER_NEEDS_NOTE
    with pytest.raises(ApplicationError) as error:
        report_transmittal_record(actor=custodian, report=issued, body=IG, method=TransmittalMethod.EMAIL,
                                  sent_at=issued.issued_at - timedelta(days=1))
    assert error.value.message.startswith(TRANSMIT_BEFORE_ISSUE.split("(")[0])
    training = draft_and_render(actor=custodian, kind="annual_training", start=date(2025, 1, 1),
                                today=date(2026, 1, 15))
    with pytest.raises(ApplicationError) as error:
        report_transmittal_record(actor=custodian, report=training, body=IG, method=TransmittalMethod.EMAIL)
    assert error.value.message == TRANSMIT_NOT_ISSUED
    training = issue_and_finalize(actor=custodian, report=training)
    with pytest.raises(ApplicationError) as error:  # the annual training report does not go to the Board
        report_transmittal_record(actor=custodian, report=training, body=BOARD, method=TransmittalMethod.EMAIL)
    assert error.value.message == TRANSMIT_BODY_NOT_RECIPIENT.format(kind="annual training report",
                                                                     body="Board of Supervisors")
    assert not ReportTransmittal.objects.exists()


def test_due_alerts_are_judged_on_transmittal_not_on_issuing(custodian, issued):
    # R-REP-1a: issued on time but never sent is overdue; sent late is "transmitted late"; sent: no more alerts.
    assert issued.due_on == date(2026, 9, 28)
    assert reports_alert_due(today=date(2026, 9, 20)) == [issued]
    soon = Notification.objects.get(recipient=custodian, dedupe_key=f"reports.due_soon.{issued.pk}")
    assert soon.severity == Severity.WARNING and "was issued but not sent" in soon.body
    assert issued.is_overdue(date(2026, 9, 29))
    assert reports_alert_due(today=date(2026, 9, 29)) == [issued]
    overdue = Notification.objects.get(recipient=custodian, dedupe_key=f"reports.overdue.{issued.pk}")
    assert overdue.severity == Severity.CRITICAL and "Board of Supervisors" in overdue.body

    for body in (IG, COMMISSION, BOARD):
        report_transmittal_record(actor=custodian, report=issued, body=body, method=TransmittalMethod.EMAIL)
    report = OversightReport.objects.prefetch_related("transmittals").get(pk=issued.pk)
    assert not report.is_overdue(date(2026, 12, 1))
    Notification.objects.all().delete()
    assert reports_alert_due(today=date(2026, 9, 29)) == []
    # Sent (in this test) after the demo period's due date, the report shows as transmitted late.
    assert report.transmitted_on == timezone.localdate() and report.display_status == (
        "transmitted late" if timezone.localdate() > report.due_on else "transmitted")


def test_the_due_period_can_never_exceed_90_days(settings, custodian):
    # R-REP-1a: the setting is checked at startup, a period's due date is capped, and the database refuses more.
    settings.PORTAL = {**settings.PORTAL, "REPORT_DUE_DAYS": 120}
    errors = report_due_days_within_policy()
    assert [e.id for e in errors] == ["reports.E001"] and "REPORT_DUE_DAYS=120" in errors[0].msg
    with pytest.raises(SystemCheckError):
        call_command("check")
    period = report_period(kind="semiannual", start=date(2026, 1, 1))
    assert period.due_on == date(2026, 6, 30) + timedelta(days=90)
    settings.PORTAL = {**settings.PORTAL, "REPORT_DUE_DAYS": 60}
    assert report_due_days_within_policy() == []
    assert report_period(kind="semiannual", start=date(2026, 1, 1)).due_on == date(2026, 8, 29)

    report = draft_and_render(actor=custodian)
    with pytest.raises(IntegrityError), transaction.atomic():
        OversightReport.objects.filter(pk=report.pk).update(due_on=date(2026, 9, 29))


def test_the_redacted_rendition_states_the_legal_basis_of_each_redaction(issued):
    # R-REP-1a: the Commission's PDF names every class of redaction with its legal basis; the unredacted one none.
    redacted = " ".join(pdf_text(issued.renditions.get(audience=Audience.OVERSIGHT_COMMISSION)).split())
    assert "Redactions and their legal basis" in redacted
    for cls in REDACTION_CLASSES:
        if Audience.OVERSIGHT_COMMISSION in cls.audiences:
            assert cls.what in redacted
    assert "Cal. Gov. Code § 7923.600" in redacted and "Cal. Penal Code § 832.7" in redacted
    assert "small-count threshold" not in redacted  # the public summary's class only
    public = " ".join(pdf_text(issued.renditions.get(audience=Audience.PUBLIC)).split())
    assert "Counts about people from 1 to the small-count threshold" in public
    unredacted = pdf_text(issued.renditions.get(audience=Audience.INSPECTOR_GENERAL))
    assert "Redactions and their legal basis" not in unredacted


def test_the_custodian_records_a_transmittal_on_the_report_page(client, custodian, commissioner, issued):
    # R-REP-1a
    client.force_login(custodian)
    page = client.get(reverse("reports:detail", args=[issued.pk]))
    assert page.status_code == 200 and b"Record a transmittal" in page.content
    response = client.post(reverse("reports:transmittal", args=[issued.pk]), {
        "body": COMMISSION, "method": TransmittalMethod.EMAIL,
        "sent_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"), "recipient": "coc@example.org",
    })
    assert response.status_code == 302
    sent = ReportTransmittal.objects.get()
    assert (sent.body, sent.audience, sent.recipient) == (COMMISSION, Audience.OVERSIGHT_COMMISSION,
                                                          "coc@example.org")
    response = client.post(reverse("reports:transmittal", args=[issued.pk]), {"body": "nobody", "method": "email"},
                           follow=True)
    assert ReportTransmittal.objects.count() == 1
    assert b"The transmittal was not recorded. Oversight body: Select a valid choice." in response.content

    client.force_login(commissioner)
    page = client.get(reverse("reports:detail", args=[issued.pk]))
    assert b"coc@example.org" in page.content and b"Record a transmittal" not in page.content
    assert client.post(reverse("reports:transmittal", args=[issued.pk]),
                       {"body": IG, "method": "email"}).status_code == 403
