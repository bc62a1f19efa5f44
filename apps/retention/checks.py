"""System checks of the retention settings (R-RET-5): the environment's default periods must respect the legal
minimum retention, so a fresh deployment never purges reads or hits sooner than the law allows."""

from __future__ import annotations

from django.core.checks import Error, register


@register("retention")
def retention_defaults_respect_legal_minimum(app_configs=None, **kwargs) -> list[Error]:
    from apps.retention.models import LEGAL_MINIMUM_FIELDS, legal_minimum_violations
    from apps.retention.selectors import retention_policy_defaults

    defaults = retention_policy_defaults()
    return [Error(message, hint="Raise the period in the environment (READ_RETENTION_DAYS, ARCHIVE_PURGE_DAYS, "
                                "NON_HIT_READ_PURGE_DAYS, HIT_RETENTION_DAYS) or correct RETENTION_LEGAL_MINIMUM_DAYS.",
                  id="retention.E001", obj=field)
            for field, message in legal_minimum_violations({name: defaults[name] for name in LEGAL_MINIMUM_FIELDS})]
