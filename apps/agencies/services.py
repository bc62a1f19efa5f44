"""Writes to agencies."""

from __future__ import annotations

from django.db import transaction

from apps.agencies.models import Agency
from apps.audit.services import event_record


@transaction.atomic
def agency_create(*, actor, name: str, kind: str, government_level: str, state: str, ori: str | None = None,
                  is_deploying_agency: bool = False, notes: str = "") -> Agency:
    """Create an agency (validated by full_clean: one deploying agency, two-letter state, private ≠ government)."""
    agency = Agency(
        name=name, kind=kind, government_level=government_level, state=state.upper(), ori=ori or None,
        is_deploying_agency=is_deploying_agency, notes=notes,
    )
    agency.full_clean()
    agency.save()
    event_record(actor=actor, code="alprportal.agencies.agency.created", target=agency, data={"name": name})
    return agency


@transaction.atomic
def agency_set_ag_flag(*, actor, agency: Agency, flagged: bool, checked_on) -> Agency:
    """Record the result of checking the Attorney General's SB 34 non-compliance list (R-SHR-2)."""
    agency = Agency.objects.select_for_update().get(pk=agency.pk)
    old = agency.ag_noncompliance_flagged
    agency.ag_noncompliance_flagged = flagged
    agency.ag_noncompliance_checked_on = checked_on
    agency.full_clean()
    agency.save(update_fields=["ag_noncompliance_flagged", "ag_noncompliance_checked_on"])
    event_record(
        actor=actor, code="alprportal.agencies.agency.ag_flag_checked", target=agency,
        data={"old": old, "new": flagged, "checked_on": checked_on.isoformat()},
    )
    return agency
