"""Thin Celery tasks for accounts."""

import logging

from celery import shared_task

from apps.accounts.services import users_suspend_dormant

logger = logging.getLogger("alprportal.accounts")


@shared_task(name="apps.accounts.tasks.accounts_suspend_dormant")
def accounts_suspend_dormant() -> list[str]:
    """Nightly: suspend accounts unused for ACCOUNT_INACTIVITY_SUSPEND_DAYS (R-ACC-3)."""
    suspended = users_suspend_dormant()
    if suspended:
        logger.info("Suspended %d dormant account(s): %s", len(suspended), ", ".join(suspended))
    return suspended
