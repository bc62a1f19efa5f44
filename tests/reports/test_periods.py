"""Due dates (policy 004 §X): 90 days after June 30 and after December 31, across year ends and leap years."""

from datetime import date

import pytest

from apps.reports.choices import ReportKind
from apps.reports.periods import last_ended_periods, report_period


@pytest.mark.parametrize(("kind", "start", "end", "due", "reference"), [
    (ReportKind.SEMIANNUAL, date(2026, 1, 1), date(2026, 6, 30), date(2026, 9, 28), "SAR-2026-H1"),
    (ReportKind.SEMIANNUAL, date(2025, 7, 1), date(2025, 12, 31), date(2026, 3, 31), "SAR-2025-H2"),
    (ReportKind.SEMIANNUAL, date(2027, 7, 1), date(2027, 12, 31), date(2028, 3, 30), "SAR-2027-H2"),  # 2028 leap
    (ReportKind.SEMIANNUAL, date(2028, 1, 1), date(2028, 6, 30), date(2028, 9, 28), "SAR-2028-H1"),
    (ReportKind.ANNUAL_TRAINING, date(2026, 1, 1), date(2026, 12, 31), date(2027, 3, 31), "ATR-2026"),
    (ReportKind.ANNUAL_TRAINING, date(2027, 1, 1), date(2027, 12, 31), date(2028, 3, 30), "ATR-2027"),
])
def test_periods_and_due_dates(kind, start, end, due, reference):
    period = report_period(kind=kind, start=start)
    assert (period.end, period.due_on, period.reference) == (end, due, reference)


def test_only_real_period_starts_are_accepted():
    with pytest.raises(ValueError):
        report_period(kind=ReportKind.SEMIANNUAL, start=date(2026, 4, 1))
    with pytest.raises(ValueError):
        report_period(kind=ReportKind.ANNUAL_TRAINING, start=date(2026, 7, 1))


@pytest.mark.parametrize(("today", "half", "year"), [
    (date(2026, 7, 1), "SAR-2026-H1", "ATR-2025"),
    (date(2026, 12, 31), "SAR-2026-H1", "ATR-2025"),
    (date(2027, 1, 1), "SAR-2026-H2", "ATR-2026"),
    (date(2027, 6, 30), "SAR-2026-H2", "ATR-2026"),
])
def test_the_period_that_just_ended(today, half, year):
    assert [p.reference for p in last_ended_periods(today=today)] == [half, year]
