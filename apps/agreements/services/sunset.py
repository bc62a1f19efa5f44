"""The daily sunset job (R-SHR-2): warnings before an agreement's sunset, and expiry on the day."""

from __future__ import annotations

import logging
from datetime import date

from django.conf import settings
from django.utils import timezone

from apps.accounts.roles import Role
from apps.agreements.choices import AgreementStatus
from apps.agreements.models import Agreement
from apps.agreements.selectors import agreement_list_due_for_sweep
from apps.agreements.services.lifecycle import agreement_expire, agreement_mark_renewal_due
from apps.common.errors import ApplicationError
from apps.notifications.models import Severity
from apps.notifications.services import notification_send

logger = logging.getLogger("alprportal.agreements")


def agreement_sunset_warn(*, agreement: Agreement, today: date | None = None) -> list:
    """Warn the custodian once per threshold (60, 30, 7 days by default) that the sunset is near: the tightest
    threshold reached, so a job that missed days does not send stale warnings. Returns the alerts sent."""
    today = today or timezone.localdate()
    days_left = agreement.days_to_sunset(today)
    window = min((t for t in settings.PORTAL["AGREEMENT_SUNSET_WARNING_DAYS"] if days_left <= t), default=None)
    if window is None or days_left <= 0:
        return []
    return notification_send(
        roles=[Role.CUSTODIAN],
        title=f"Agreement with {agreement.partner_agency} ends in {days_left} days",
        body=(f"“{agreement.title}” reaches its sunset on {agreement.sunset_date:%B %-d, %Y}. Sharing stops that day "
              "unless the renewal review (compliance, Attorney General list) is done and the renewal approved."),
        link=f"/admin/agreements/agreement/{agreement.pk}/change/",
        severity=Severity.WARNING if window > 7 else Severity.CRITICAL,
        dedupe_key=f"agreement-sunset-{agreement.pk}-{agreement.sunset_date:%Y%m%d}-{window}",
    )


def agreement_sunset_sweep(*, today: date | None = None) -> dict[str, int]:
    """The daily job (idempotent, resumable): expire agreements whose sunset day has come; mark agreements within
    the first warning window *renewal due*; warn the custodian 60, 30 and 7 days before a sunset (each once)."""
    today = today or timezone.localdate()
    thresholds = sorted(settings.PORTAL["AGREEMENT_SUNSET_WARNING_DAYS"])
    counts = {"expired": 0, "renewal_due": 0, "warned": 0}
    for agreement in agreement_list_due_for_sweep(day=today).select_related("partner_agency"):
        days_left = agreement.days_to_sunset(today)
        try:
            if days_left <= 0:
                agreement_expire(actor=None, agreement=agreement, today=today)
                counts["expired"] += 1
                continue
            if thresholds and days_left <= max(thresholds) and agreement.status == AgreementStatus.ACTIVE:
                agreement_mark_renewal_due(actor=None, agreement=agreement,
                                           reason=f"The sunset is {days_left} days away.")
                counts["renewal_due"] += 1
            counts["warned"] += len(agreement_sunset_warn(agreement=agreement, today=today))
        except ApplicationError:
            # Another worker moved it first; tomorrow's run sees the new state.
            logger.info("Agreement %s changed during the sunset sweep; skipped.", agreement.pk)
    return counts
