"""Patrol shifts (policy 002, R-OPS-1): three fixed shifts a day, in the agency's local time.

``day`` 06–14, ``swing`` 14–22, ``night`` 22–06 (belongs to the day it starts on). The current shift is the one the
usage and gap reports open on; a sign-on made up to ``SHIFT_SIGN_ON_LEAD_MINUTES`` before a shift starts counts for
that shift (officers start the ALPR software while getting into the car).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.utils import timezone

SHIFTS: dict[str, tuple[int, int]] = {"day": (6, 14), "swing": (14, 22), "night": (22, 30)}
SHIFT_CHOICES = [("day", "Day 06–14"), ("swing", "Swing 14–22"), ("night", "Night 22–06")]


def shift_window(day: date, shift: str) -> tuple[datetime, datetime]:
    """[start, end) of ``shift`` on ``day`` (aware, local time zone)."""
    start_hour, end_hour = SHIFTS[shift]
    midnight = timezone.make_aware(datetime.combine(day, time(0, 0)))
    return midnight + timedelta(hours=start_hour), midnight + timedelta(hours=end_hour)


def shift_at(moment: datetime | None = None) -> tuple[date, str]:
    """The (day, shift) in progress at ``moment`` (now by default). 03:00 belongs to the previous day's night."""
    local = timezone.localtime(moment or timezone.now())
    hour = local.hour
    if hour < SHIFTS["day"][0]:
        return local.date() - timedelta(days=1), "night"
    for name, (start, end) in SHIFTS.items():
        if start <= hour < end:
            return local.date(), name
    return local.date(), "night"  # pragma: no cover - the windows cover every hour


def shift_for_sign_on(moment: datetime | None = None) -> tuple[date, str]:
    """The shift a sign-on at ``moment`` is for: the one starting within the lead time, else the one in progress."""
    lead = timedelta(minutes=settings.PORTAL["SHIFT_SIGN_ON_LEAD_MINUTES"])
    return shift_at((moment or timezone.now()) + lead)


def shift_label(shift: str) -> str:
    return dict(SHIFT_CHOICES).get(shift, shift)
