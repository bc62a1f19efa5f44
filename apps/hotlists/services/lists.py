"""Writes of hot lists and their entries (R-HOT-1, R-HOT-2): one service per change; each locks, checks, writes and
records the domain event in one transaction."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from apps.audit.justification_rules import ENTRY_SUBJECT, justification_check
from apps.audit.services import event_record
from apps.common.errors import ApplicationError, PermissionDeniedError
from apps.disclosures.immigration_screen import immigration_screen
from apps.hotlists.choices import EntryReason, HotListSource, VersionKind
from apps.hotlists.imports import COMPARED_FIELDS, IMMIGRATION_REFUSED, entry_fields_parse, entry_immigration_terms
from apps.hotlists.models import HotList, HotListEntry, HotListVersion

logger = logging.getLogger("alprportal.hotlists")

PARTNER_NEEDS_AGREEMENT = (
    "{agency} has no sharing agreement in force: a partner agency's hot list may be used only under an agreement "
    "(R-SHR-2)."
)
PARTNER_NEEDS_AGENCY = "A partner list must name the partner agency."
OWN_LIST_OTHER_AGENCY = "An own-agency list belongs to the deploying agency."
NOT_ALLOWED_TO_MANAGE = "You may not change hot-list entries."
ENTRY_ALREADY_LISTED = "{plate} ({state}) is already on this list; remove it first to change it."
ENTRY_NOT_CURRENT = "This entry is no longer on the list."
REMOVAL_REASON_REQUIRED = "Say why the entry is removed."
LIST_IMMIGRATION_REFUSED = (
    "Refused under SB 54 (R-HOT-6): hot lists are never used for civil immigration enforcement, and this list's "
    "{where} shows {terms}."
)


def permission_require(actor, permission: str, message: str) -> None:
    if actor is not None and not actor.has_perm(permission):
        raise PermissionDeniedError(message)


# --- Lists ---------------------------------------------------------------------------------------------------------


def _immigration_refuse(*, actor, hot_list: HotList | None, message: str, terms: list[str], data: dict) -> None:
    """R-HOT-6: log a refusal for civil immigration enforcement and raise it. Called before the write's transaction,
    so the refusal's domain event stays when the write does not happen."""
    logger.warning("Hot-list write refused under SB 54 (R-HOT-6) for %s: %s", actor, ", ".join(terms))
    event_record(actor=actor if getattr(actor, "pk", None) else None,
                 code="alprportal.hotlists.immigration_refused", target=hot_list,
                 data={"terms": terms, **data})
    raise ApplicationError(message, code="immigration_refused", extra={"terms": terms})


def _list_immigration_check(*, actor, hot_list: HotList | None, name: str = "", description: str = "") -> None:
    for where, text in (("name", name), ("description", description)):
        terms = immigration_screen(text)
        if terms:
            _immigration_refuse(actor=actor, hot_list=hot_list,
                                message=LIST_IMMIGRATION_REFUSED.format(where=where, terms=", ".join(terms)),
                                terms=terms, data={"where": f"list {where}", "text": text[:500]})


def _agreement_check(agency) -> None:
    from apps.agreements.selectors import agreement_in_force_for

    if agreement_in_force_for(agency=agency) is None:
        raise ApplicationError(PARTNER_NEEDS_AGREEMENT.format(agency=agency), code="partner_needs_agreement")


def hot_list_version_next(*, hot_list: HotList, actor, kind: str, note: str = "", **fields) -> HotListVersion:
    last = hot_list.versions.order_by("-number").values_list("number", flat=True).first() or 0
    version = HotListVersion(hot_list=hot_list, number=last + 1, kind=kind, created_by=actor, note=note, **fields)
    version.full_clean()
    version.save(force_insert=True)
    return version


def hot_list_create(
    *, actor, name: str, source: str, owner, agency=None, description: str = "", refresh_policy: str = "manual",
    default_entry_days: int | None = None, active: bool = True,
) -> HotList:
    """Create an empty list (version 1). R-HOT-1. A partner list needs its agency and an agreement in force with it
    (R-SHR-2); an own-agency list belongs to the deploying agency. A list named or described as for civil immigration
    enforcement (e.g. the NCIC Immigration Violator File) is refused and the refusal logged (R-HOT-6). Raises
    ApplicationError otherwise."""
    permission_require(actor, "hotlists.add_hotlist", NOT_ALLOWED_TO_MANAGE)
    _list_immigration_check(actor=actor, hot_list=None, name=name, description=description)
    with transaction.atomic():
        return _hot_list_create(actor=actor, name=name, source=source, owner=owner, agency=agency,
                                description=description, refresh_policy=refresh_policy,
                                default_entry_days=default_entry_days, active=active)


def _hot_list_create(*, actor, name, source, owner, agency, description, refresh_policy, default_entry_days,
                     active) -> HotList:
    from apps.agencies.selectors import agency_get_deploying

    if source == HotListSource.PARTNER:
        if agency is None:
            raise ApplicationError(PARTNER_NEEDS_AGENCY, code="partner_needs_agency")
        _agreement_check(agency)
    elif source == HotListSource.OWN:
        deploying = agency_get_deploying()
        if agency is None:
            agency = deploying
        elif deploying is not None and agency.pk != deploying.pk:
            raise ApplicationError(OWN_LIST_OTHER_AGENCY, code="own_list_other_agency")
    hot_list = HotList(name=name, source=source, agency=agency, owner=owner, description=description,
                       refresh_policy=refresh_policy, default_entry_days=default_entry_days, active=active,
                       created_by=actor if getattr(actor, "pk", None) else None)
    hot_list.full_clean()
    hot_list.save()
    version = hot_list_version_next(hot_list=hot_list, actor=hot_list.created_by, kind=VersionKind.CREATED,
                                    note="List created.")
    hot_list.current_version = version
    hot_list.save(update_fields=["current_version"])
    event_record(actor=actor, code="alprportal.hotlists.list.created", target=hot_list,
                 data={"source": source, "agency": agency.pk if agency else None, "owner": owner.pk})
    return hot_list


HOT_LIST_EDITABLE_FIELDS = ("description", "owner", "refresh_policy", "default_entry_days", "active")


@transaction.atomic
def hot_list_update(*, actor, hot_list: HotList, **changes) -> HotList:
    """Change a list's settings (not its entries); field diffs go to django-auditlog, plus a domain event."""
    permission_require(actor, "hotlists.change_hotlist", NOT_ALLOWED_TO_MANAGE)
    if "description" in changes:
        terms = immigration_screen(str(changes["description"] or ""))
        if terms:  # R-HOT-6; raised inside this transaction, so logged without its domain event
            logger.warning("Hot-list description refused under SB 54 (R-HOT-6): %s", ", ".join(terms))
            raise ApplicationError(LIST_IMMIGRATION_REFUSED.format(where="description", terms=", ".join(terms)),
                                   code="immigration_refused", extra={"terms": terms})
    unknown = set(changes) - set(HOT_LIST_EDITABLE_FIELDS)
    if unknown:
        raise ApplicationError(f"These fields cannot be changed here: {', '.join(sorted(unknown))}.",
                               code="field_not_editable")
    hot_list = HotList.objects.select_for_update().get(pk=hot_list.pk)
    old = {name: str(getattr(hot_list, name)) for name in changes}
    for name, value in changes.items():
        setattr(hot_list, name, value)
    hot_list.full_clean()
    hot_list.save(update_fields=list(changes) or None)
    event_record(actor=actor, code="alprportal.hotlists.list.changed", target=hot_list,
                 data={"old": old, "new": {name: str(getattr(hot_list, name)) for name in changes}})
    return hot_list


def hot_list_entry_rows_current(hot_list: HotList) -> list[dict[str, Any]]:
    return list(HotListEntry.objects.filter(hot_list=hot_list, removed_in__isnull=True)
                .values("id", "plate_pattern", "state", *COMPARED_FIELDS))


def hot_list_entry_add(*, actor, hot_list: HotList, plate: str, reason: str, state: str = "", priority=None,
                       case_number: str = "", expires: str = "", justification: str = "",
                       vehicle_description: str = "", attested: bool = False) -> HotListEntry:
    """Add one entry as a new version of the list (R-HOT-1): who entered it, why, and its expiry (the list's default
    when none is given; required when the list has no default). Refuses a plate already on the list.

    R-HOT-6: an entry whose reason or free text shows civil immigration enforcement is refused and the refusal
    logged. R-PURP-2: an entry whose reason is "other" needs a written justification and ``attested`` (the
    attestation is recorded with the entry: who, when)."""
    permission_require(actor, "hotlists.manage_entries", NOT_ALLOWED_TO_MANAGE)
    raw = {"plate": plate, "state": state, "reason": reason, "priority": str(priority or ""),
           "case_number": case_number, "expires": expires, "why": justification, "vehicle": vehicle_description}
    terms = entry_immigration_terms(raw)
    if terms:
        _immigration_refuse(actor=actor, hot_list=hot_list, terms=terms,
                            message=IMMIGRATION_REFUSED.format(terms=", ".join(terms)),
                            data={"where": "entry", "plate": str(plate)[:20], "reason": str(reason)[:40]})
    with transaction.atomic():
        return _hot_list_entry_add(actor=actor, hot_list=hot_list, raw=raw, attested=attested)


def _hot_list_entry_add(*, actor, hot_list: HotList, raw: dict, attested: bool) -> HotListEntry:
    hot_list = HotList.objects.select_for_update().get(pk=hot_list.pk)
    now = timezone.now()
    fields = entry_fields_parse(raw, default_days=hot_list.default_entry_days, now=now)
    attestation = {}
    if fields["reason"] == EntryReason.OTHER:
        justification_check(justification=fields["justification"], attested=attested, subject=ENTRY_SUBJECT)
        attestation = {"attested_by": actor, "attested_at": now}
    if HotListEntry.objects.filter(hot_list=hot_list, removed_in__isnull=True, plate_pattern=fields["plate_pattern"],
                                   state=fields["state"]).exists():
        raise ApplicationError(ENTRY_ALREADY_LISTED.format(plate=fields["plate_pattern"],
                                                           state=fields["state"] or "any state"),
                               code="entry_already_listed")
    previous = hot_list.current_version
    version = hot_list_version_next(hot_list=hot_list, actor=actor, kind=VersionKind.ENTRY_ADDED, added=1,
                                    entry_count=(previous.entry_count if previous else 0) + 1,
                                    note=fields["justification"] or f"Entry {fields['plate_pattern']} added.")
    entry = HotListEntry(hot_list=hot_list, added_in=version, entered_by=actor, created_at=now, **attestation,
                         **{**fields, "expires_at": datetime.fromisoformat(fields["expires_at"])})
    entry.full_clean()
    entry.save(force_insert=True)
    hot_list.current_version = version
    hot_list.save(update_fields=["current_version"])
    event_record(actor=actor, code="alprportal.hotlists.entry.added", target=hot_list,
                 data={"entry": entry.pk, "version": version.number, "plate_pattern": entry.plate_pattern,
                       "state": entry.state, "reason": entry.reason, "case_number": entry.case_number,
                       "why": entry.justification, "expires_at": entry.expires_at,
                       "attested": entry.attested_at is not None})
    return entry


@transaction.atomic
def hot_list_entry_remove(*, actor, entry: HotListEntry, reason: str) -> HotListVersion:
    """Take an entry off its list as a new version; the entry row stays (removed in that version) for audit."""
    permission_require(actor, "hotlists.manage_entries", NOT_ALLOWED_TO_MANAGE)
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError(REMOVAL_REASON_REQUIRED, code="reason_required")
    hot_list = HotList.objects.select_for_update().get(pk=entry.hot_list_id)
    entry = HotListEntry.objects.select_for_update().get(pk=entry.pk)
    if entry.removed_in_id is not None:
        raise ApplicationError(ENTRY_NOT_CURRENT, code="entry_not_current")
    previous = hot_list.current_version
    version = hot_list_version_next(hot_list=hot_list, actor=actor, kind=VersionKind.ENTRY_REMOVED, removed=1,
                                    note=reason, entry_count=max((previous.entry_count if previous else 1) - 1, 0))
    entry.removed_in = version
    entry.save(update_fields=["removed_in"])
    hot_list.current_version = version
    hot_list.save(update_fields=["current_version"])
    event_record(actor=actor, code="alprportal.hotlists.entry.removed", target=hot_list,
                 data={"entry": entry.pk, "version": version.number, "plate_pattern": entry.plate_pattern,
                       "state": entry.state, "why": reason})
    return version
