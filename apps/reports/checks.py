"""System checks of the reporting settings (``manage.py check``, run by migrate, runserver and serve)."""

from django.conf import settings
from django.core import checks

from apps.reports.choices import REPORT_DUE_DAYS_MAX

REPORT_DUE_DAYS_INVALID = "REPORT_DUE_DAYS={days} is not allowed: oversight reports are due within 1 to {maximum} days."


@checks.register("reports")
def report_due_days_within_policy(app_configs=None, **kwargs):
    """R-REP-1a: policy 004 §X gives 90 days after the period ends; a setting may shorten that, never lengthen it."""
    days = settings.PORTAL.get("REPORT_DUE_DAYS")
    if not isinstance(days, int) or not 1 <= days <= REPORT_DUE_DAYS_MAX:
        return [checks.Error(
            REPORT_DUE_DAYS_INVALID.format(days=days, maximum=REPORT_DUE_DAYS_MAX),
            hint="Policy 004 §X: reports are submitted within 90 days after the end of the period. Set "
                 "REPORT_DUE_DAYS to 90 or fewer.",
            id="reports.E001",
        )]
    return []
