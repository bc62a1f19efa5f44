"""Reads of agreements: which one is in force for a partner, which near their sunset, which renewals wait."""

from __future__ import annotations

from datetime import date, timedelta

from django.db.models import QuerySet
from django.utils import timezone

from apps.agreements.choices import IN_FORCE_STATUSES
from apps.agreements.models import Agreement


def agreement_in_force_for(*, agency, day: date | None = None) -> Agreement | None:
    """The agreement under which data may be shared with ``agency`` today (R-SHR-2), or None.

    Live: an agreement whose sunset day has come is not in force even if the daily job has not marked it expired.
    """
    day = day or timezone.localdate()
    return (
        Agreement.objects.filter(partner_agency=agency, status__in=IN_FORCE_STATUSES, start_date__lte=day,
                                 sunset_date__gt=day)
        .order_by("-start_date")
        .first()
    )


def agreement_list_nearing_sunset(*, day: date | None = None, within_days: int = 60) -> QuerySet[Agreement]:
    """Agreements still sharing whose sunset is within ``within_days`` (the custodian's home page)."""
    day = day or timezone.localdate()
    return (
        Agreement.objects.filter(status__in=IN_FORCE_STATUSES, sunset_date__gt=day,
                                 sunset_date__lte=day + timedelta(days=within_days))
        .select_related("partner_agency")
        .order_by("sunset_date")
    )


def agreement_list_due_for_sweep(*, day: date) -> QuerySet[Agreement]:
    """Agreements the daily job must look at: still marked as sharing."""
    return Agreement.objects.filter(status__in=IN_FORCE_STATUSES).order_by("sunset_date", "pk")
