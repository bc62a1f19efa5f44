"""Recording that an issued report was sent to an oversight body (policy 004 §X)."""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from apps.audit.services import event_record
from apps.common.errors import ApplicationError, PermissionDeniedError
from apps.notifications.services import notifications_resolve
from apps.reports.choices import BODY_AUDIENCE, Audience, OversightBody, ReportStatus, TransmittalMethod
from apps.reports.models import OversightReport, ReportTransmittal

NOT_A_TRANSMITTER = "Only the custodian of records records the transmittal of oversight reports."
TRANSMIT_NOT_ISSUED = "Only an issued report can be transmitted; issue it first."
TRANSMIT_BODY_NOT_RECIPIENT = "The {kind} is not sent to the {body} (policy 004 §X)."
TRANSMIT_RENDITION_NOT_FINAL = "The {audience} PDF is not final yet; wait until the issued PDFs are frozen."
TRANSMIT_METHOD_INVALID = "Choose how the report was sent."
TRANSMIT_OTHER_NEEDS_NOTE = "Say how the report was sent."
TRANSMIT_IN_FUTURE = "The time of sending cannot be in the future."
TRANSMIT_BEFORE_ISSUE = "The report cannot have been sent before it was issued ({issued:%Y-%m-%d %H:%M})."


@transaction.atomic
def report_transmittal_record(*, actor, report: OversightReport, body: str, method: str, sent_at=None,
                              recipient: str = "", note: str = "") -> ReportTransmittal:
    """Record that the rendition ``body`` is entitled to was sent to it (R-REP-1a): who (``actor``), which
    rendition (its frozen PDF and SHA-256), when (``sent_at``, default now) and how (``method``).

    Refused: without ``reports.add_reporttransmittal`` (PermissionDeniedError); for a draft; for a body the report
    is not sent to; before the issued PDF is frozen; a time in the future or before issuing; "other" without
    saying how. The Inspector General always gets the unredacted rendition, the Commission and the Board the
    redacted one — never chosen by the person recording. Once every body has its rendition, a
    ``report.transmitted`` event records whether that was within the due date.
    """
    if actor is None or not actor.has_perm("reports.add_reporttransmittal"):
        raise PermissionDeniedError(NOT_A_TRANSMITTER)
    report = OversightReport.objects.select_for_update().get(pk=report.pk)
    if report.status != ReportStatus.ISSUED:
        raise ApplicationError(TRANSMIT_NOT_ISSUED, code="report_not_issued")
    if body not in report.required_bodies:
        label = OversightBody(body).label if body in OversightBody.values else str(body)
        raise ApplicationError(TRANSMIT_BODY_NOT_RECIPIENT.format(kind=report.get_kind_display().lower(),
                                                                  body=label), code="body_not_recipient")
    if method not in TransmittalMethod.values:
        raise ApplicationError(TRANSMIT_METHOD_INVALID, code="method_invalid")
    note, recipient = (note or "").strip(), (recipient or "").strip()
    if method == TransmittalMethod.OTHER and not note:
        raise ApplicationError(TRANSMIT_OTHER_NEEDS_NOTE, code="method_unexplained")
    audience = BODY_AUDIENCE[body]
    rendition = report.renditions.filter(audience=audience, is_final=True, frozen_at__isnull=False).first()
    if rendition is None:
        raise ApplicationError(TRANSMIT_RENDITION_NOT_FINAL.format(audience=Audience(audience).label),
                               code="rendition_not_final")
    now = timezone.now()
    sent_at = sent_at or now
    if sent_at > now + timedelta(minutes=5):
        raise ApplicationError(TRANSMIT_IN_FUTURE, code="sent_in_future")
    # A time typed into the form has no seconds: the minute of issuing itself counts as after issuing.
    if sent_at < report.issued_at.replace(second=0, microsecond=0):
        raise ApplicationError(TRANSMIT_BEFORE_ISSUE.format(issued=timezone.localtime(report.issued_at)),
                               code="sent_before_issue")
    was_missing = report.bodies_not_transmitted()
    transmittal = ReportTransmittal(report=report, body=body, rendition=rendition, audience=audience,
                                    rendition_sha256=rendition.sha256, method=method, sent_at=sent_at,
                                    sent_by=actor, recipient=recipient, note=note)
    transmittal.full_clean()
    transmittal.save()
    event_record(actor=actor, code="alprportal.reports.transmittal.recorded", target=report, data={
        "body": body, "audience": audience, "sha256": rendition.sha256, "method": method,
        "sent_at": sent_at, "recipient": recipient,
    })
    report = OversightReport.objects.prefetch_related("transmittals").get(pk=report.pk)
    if was_missing and not report.bodies_not_transmitted():
        event_record(actor=actor, code="alprportal.reports.report.transmitted", target=report, data={
            "transmitted_on": report.transmitted_on, "due_on": report.due_on,
            "on_time": report.transmitted_on <= report.due_on,
        })
        # Sent to every body: the due/overdue alerts asked for exactly this (issue #17).
        notifications_resolve(dedupe_keys=[f"reports.overdue.{report.pk}", f"reports.due_soon.{report.pk}"])
    return transmittal
