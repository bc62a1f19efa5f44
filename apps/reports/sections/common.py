"""Helpers shared by the built-in sections."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.utils import timezone

from apps.reports.figures import person_value


def local_period_bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """[start 00:00, the day after end 00:00) in the agency's time zone, for indexed range scans."""
    tz = timezone.get_current_timezone()
    return (timezone.make_aware(datetime.combine(start, time.min), tz),
            timezone.make_aware(datetime.combine(end + timedelta(days=1), time.min), tz))


def months_between(start: date, end: date) -> list[date]:
    months, current = [], date(start.year, start.month, 1)
    while current <= end:
        months.append(current)
        current = date(current.year + (current.month == 12), current.month % 12 + 1, 1)
    return months


def month_label(month: date) -> str:
    return f"{month:%b %Y}"


def person(user_id: int | None, first: str = "", last: str = "", username: str = ""):
    """A person cell: full name when known, else the username (never both: the username can be a common word)."""
    name = f"{first} {last}".strip() or username
    return person_value(user_id, name)
