"""Report periods and due dates (policy 004 §X): H1 = January–June, H2 = July–December, each due 90 days after it
ends (so H2's due date falls in the next year); the annual training report covers a calendar year, due 90 days
after December 31."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings

from apps.reports.choices import REPORT_DUE_DAYS_MAX, ReportKind

PERIOD_START_INVALID = "A {kind} period starts on {allowed}."


@dataclass(frozen=True)
class ReportPeriod:
    kind: str
    start: date
    end: date

    @property
    def due_on(self) -> date:
        """R-REP-1a: PORTAL["REPORT_DUE_DAYS"] after the end, never more than 90 days (system check reports.E001
        refuses a larger setting at startup; this cap keeps a worker started without checks within the policy)."""
        return self.end + timedelta(days=min(settings.PORTAL["REPORT_DUE_DAYS"], REPORT_DUE_DAYS_MAX))

    @property
    def reference(self) -> str:
        if self.kind == ReportKind.SEMIANNUAL:
            return f"SAR-{self.start.year}-H{1 if self.start.month == 1 else 2}"
        return f"ATR-{self.start.year}"

    def has_ended(self, today: date) -> bool:
        return today > self.end


def report_period(*, kind: str, start: date) -> ReportPeriod:
    """The period of ``kind`` starting on ``start``; ValueError if no such period starts that day."""
    if kind == ReportKind.SEMIANNUAL:
        if (start.month, start.day) == (1, 1):
            return ReportPeriod(kind, start, date(start.year, 6, 30))
        if (start.month, start.day) == (7, 1):
            return ReportPeriod(kind, start, date(start.year, 12, 31))
        raise ValueError(PERIOD_START_INVALID.format(kind="semi-annual", allowed="January 1 or July 1"))
    if kind == ReportKind.ANNUAL_TRAINING:
        if (start.month, start.day) == (1, 1):
            return ReportPeriod(kind, start, date(start.year, 12, 31))
        raise ValueError(PERIOD_START_INVALID.format(kind="annual", allowed="January 1"))
    raise ValueError(f"Unknown report kind {kind!r}.")


def last_ended_periods(*, today: date) -> list[ReportPeriod]:
    """The most recently ended period of each kind (what the scheduled job drafts the day after it ends)."""
    if today.month >= 7:
        half = report_period(kind=ReportKind.SEMIANNUAL, start=date(today.year, 1, 1))
    else:
        half = report_period(kind=ReportKind.SEMIANNUAL, start=date(today.year - 1, 7, 1))
    year = report_period(kind=ReportKind.ANNUAL_TRAINING, start=date(today.year - 1, 1, 1))
    return [half, year]
