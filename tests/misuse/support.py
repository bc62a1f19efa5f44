"""Constructed access logs for the misuse tests, written through the real access_log_record (chained as in
production) at chosen moments."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.utils import timezone

from apps.audit.services import access_log_record
from apps.misuse.runs import misuse_review_run
from tests.reports.support import at

UNTIL_DAY = date(2026, 6, 1)


def moment(day: date, hour: int = 12, minute: int = 0) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, minute)), timezone.get_current_timezone())


def day_of(offset: int) -> date:
    """A day ``offset`` days before UNTIL_DAY (inside the 90-day review window)."""
    return UNTIL_DAY - timedelta(days=offset)


def log(user, when: datetime, *, plate: str | None = "7ABC123", case_number: str = "CASE-1",
        purpose: str = "investigative_leads", **elements):
    data = {"plate_pattern": plate, **elements} if plate is not None else {"plate_pattern": None, **elements}
    with at(when):
        return access_log_record(user=user, action="reads.search", data_elements=data, purpose=purpose,
                                 case_number=case_number, result_count=1)


def review(**kwargs):
    return misuse_review_run(until=moment(UNTIL_DAY, 0), **kwargs)
