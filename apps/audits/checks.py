"""System checks of the audit schedule settings (``manage.py check``)."""

from django.conf import settings
from django.core import checks

AUDIT_INTERVAL_INVALID = "{name}={days} is not allowed: policy 004 §IX requires it at least every 365 days."


@checks.register("audits")
def audit_intervals_at_most_a_year(app_configs=None, **kwargs):
    """R-AUD-3a: audits at least annually; an annual inspection of the audit trail."""
    errors = []
    for name in ("AUDIT_CAMPAIGN_INTERVAL_DAYS", "AUDIT_TRAIL_INSPECTION_INTERVAL_DAYS"):
        days = settings.PORTAL.get(name)
        if not isinstance(days, int) or not 1 <= days <= 365:
            errors.append(checks.Error(AUDIT_INTERVAL_INVALID.format(name=name, days=days),
                                       hint="Set it to 365 or fewer.", id="audits.E001"))
    return errors
