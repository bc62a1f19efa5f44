"""Celery jobs of reads: thin wrappers that call a service (issue #21, R-READ-5)."""

from __future__ import annotations

from celery import shared_task
from django.db import OperationalError


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=5, max_retries=3)
def cameras_not_reporting_check() -> int:
    """Every 5 minutes: mark cameras whose agent stopped sending heartbeats as not reporting; alert once."""
    from apps.reads.services.agents import cameras_not_reporting_check as check

    return check()


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=5, max_retries=3)
def units_out_of_service_notify() -> int:
    """Every few minutes: tell supervisors about units newly reported out of service (idempotent per report)."""
    from apps.reads.services.cameras import units_out_of_service_notify as notify

    return notify()


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=30, max_retries=3)
def reads_partitions_ensure() -> dict:
    """Daily: create the reads partitions of the coming months, and of months with reads in the default partition
    (moved into it); a no-op on SQLite (issue #19)."""
    from apps.reads.partitions import partitions_ensure

    return partitions_ensure()
