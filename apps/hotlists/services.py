"""Writes of hot lists and hits (R-HOT-1, R-HOT-2, R-HOT-3, R-HOT-4, R-HOT-5). One service per change; each locks,
checks, writes and records the
domain event in one transaction.

Matching (``hits_match_reads``) is called by the reads ingest service right after a batch of reads is stored, in the
same transaction, so a hit is visible as soon as its read is.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from apps.accounts.roles import Role
from apps.audit.services import event_record
from apps.common.celery_utils import task_send_on_commit
from apps.common.errors import ApplicationError, PermissionDeniedError
from apps.disclosures.immigration_screen import immigration_screen
from apps.hotlists.choices import (
    HIT_TRANSITIONS,
    STOLEN_CONFIRMATION_METHODS,
    STOLEN_REASONS,
    ConfirmationMethod,
    ConfirmationResult,
    EntryErrorKind,
    EntryErrorStatus,
    EntryReason,
    ExigentReviewOutcome,
    HitAction,
    HitStatus,
    HotListSource,
    ImportStatus,
    ReferralStatus,
    VersionKind,
)
from apps.hotlists.imports import (
    COMPARED_FIELDS,
    FILE_IMMIGRATION_SOURCE,
    IMMIGRATION_REFUSED,
    csv_parse,
    diff_compute,
    entry_fields_parse,
    entry_immigration_terms,
)
from apps.hotlists.matching import EntryRef, ReadRow, match_rows, matcher_cache, region_state
from apps.hotlists.models import (
    Hit,
    HotList,
    HotListEntry,
    HotListEntryError,
    HotListEntryReferral,
    HotListImport,
    HotListQualityReview,
    HotListVersion,
    PendingMatch,
)
from apps.hotlists.selectors import hot_list_usable_versions
from apps.justifications.rules import ATTESTATION_REQUIRED, ENTRY_SUBJECT, justification_check
from apps.notifications.models import Severity
from apps.notifications.services import notification_send, notifications_resolve

logger = logging.getLogger("alprportal.hotlists")

PARTNER_NEEDS_AGREEMENT = (
    "{agency} has no sharing agreement in force: a partner agency's hot list may be used only under an agreement "
    "(R-SHR-2)."
)
PARTNER_NEEDS_AGENCY = "A partner list must name the partner agency."
OWN_LIST_OTHER_AGENCY = "An own-agency list belongs to the deploying agency."
NOT_ALLOWED_TO_MANAGE = "You may not change hot-list entries."
NOT_ALLOWED_TO_CONFIRM = "You may not record the confirmation or the outcome of a hit."
ENTRY_ALREADY_LISTED = "{plate} ({state}) is already on this list; remove it first to change it."
ENTRY_NOT_CURRENT = "This entry is no longer on the list."
REMOVAL_REASON_REQUIRED = "Say why the entry is removed."
IMPORT_NOT_PREVIEW = "This import is {status}; upload the file again."
IMPORT_SUPERSEDED = "The list changed since this preview was made; upload the file again to see the new differences."
IMPORT_HAS_FILE_ERRORS = "The file cannot be used: {errors}"
IMPORT_HAS_LINE_ERRORS = (
    "{count} lines have errors. Fix the file, or confirm that the lines with errors are skipped."
)
IMPORT_EMPTY = "The file holds no valid entries; applying it would empty the list. Nothing was applied."
HIT_TRANSITION_ILLEGAL = "This hit is {status}; it cannot be marked {target}."
HIT_ACTION_NEEDS_CONFIRMATION = (
    "A hit is not probable cause: record its confirmation (dispatch or CLETS: who, how, result) before any action."
)
HIT_ACTION_AFTER_CLEARED = "The confirmation found the plate cleared: no enforcement action may be recorded for it."
HIT_NOTE_REQUIRED = "Say why (a short note) — it is part of the record."
CONFIRMATION_IN_FUTURE = "The confirmation time cannot be in the future."
LIST_IMMIGRATION_REFUSED = (
    "Refused under SB 54 (R-HOT-6): hot lists are never used for civil immigration enforcement, and this list's "
    "{where} shows {terms}."
)
IMPORT_OTHER_NEEDS_ATTESTATION = ATTESTATION_REQUIRED.format(
    subject="This file has {count} entries whose reason is “other”: applying it")
ERROR_DESCRIPTION_REQUIRED = "Say what is wrong with the entry: the error record keeps it (R-HOT-7)."
ERROR_ENTRY_NOT_CURRENT = "This entry is no longer on the list; an error can be recorded only for an entry in force."
ERROR_ALREADY_RECORDED = "An error is already recorded for this entry."
ERROR_NOT_OPEN = "This error is already resolved."
RESOLUTION_NOTE_REQUIRED = "Say how the error was resolved (e.g. the originating agency corrected its record)."
REFERRAL_NOT_PENDING = "This referral was already marked sent on {date}."
REFERRAL_VIA_REQUIRED = "Say how the referral went out (e.g. “e-mail to records@agency.gov”, “CLETS message 123”)."
NOT_ALLOWED_TO_REFER = "You may not record referrals to originating agencies."
NOT_ALLOWED_TO_REVIEW_QUALITY = "You may not record data-quality reviews."
QUALITY_SCOPE_REQUIRED = "Say what the review covered (lists, entries, period, method)."
QUALITY_FINDINGS_REQUIRED = "Record the findings, even “no errors found”."
ERRONEOUS_HIT_NOTE = (
    "Closed automatically: the hot-list entry was marked erroneous (error record {error}): {description}"
)
CONFIRMATION_METHOD_INVALID = "Choose how the hit was confirmed (dispatch, CLETS, originating agency, other)."
CONFIRMATION_RESULT_INVALID = "Choose the result of the confirmation: still wanted, or cleared."
STOLEN_NEEDS_DISPATCH_OR_CLETS = (
    "A stolen vehicle or stolen plate is confirmed only with dispatch/communications or CLETS (“still wanted”) "
    "before any action (R-HOT-4a). Under exigent circumstances, record the action with its justification instead."
)
STOLEN_NEEDS_REFERENCE = (
    "Name the dispatcher (name or ID) or the CLETS reference that confirmed the stolen status (R-HOT-4a)."
)
EXIGENT_JUSTIFICATION_REQUIRED = "Say what made it impossible to confirm first (the exigent circumstances)."
EXIGENT_ONLY_FROM_NEW = "This hit is {status}: the exigent path is only for a hit not yet confirmed."
EXIGENT_REVIEW_NOT_ALLOWED = "You may not review actions taken before confirmation."
EXIGENT_REVIEW_NOT_EXIGENT = "This hit was not acted on under exigent circumstances; there is nothing to review."
EXIGENT_REVIEW_DONE = "This exigent action has already been reviewed."
EXIGENT_REVIEW_OWN = "Nobody reviews their own exigent action; another supervisor must."
HIT_WITHDRAWN_OUT_OF_SERVICE = (
    "Withdrawn: the unit was reported out of service from {when}; reads from a damaged unit are not used (R-READ-5a)."
)

PENDING_MATCH_BATCH = 1000  # pending reads matched per transaction when catching up

ENFORCEMENT_ACTIONS = frozenset({HitAction.STOP, HitAction.RECOVERED, HitAction.ARREST, HitAction.PERSON_LOCATED})


def _require(actor, permission: str, message: str) -> None:
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


def _next_version(*, hot_list: HotList, actor, kind: str, note: str = "", **fields) -> HotListVersion:
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
    _require(actor, "hotlists.add_hotlist", NOT_ALLOWED_TO_MANAGE)
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
    version = _next_version(hot_list=hot_list, actor=hot_list.created_by, kind=VersionKind.CREATED,
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
    _require(actor, "hotlists.change_hotlist", NOT_ALLOWED_TO_MANAGE)
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


def _current_entries(hot_list: HotList) -> list[dict[str, Any]]:
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
    _require(actor, "hotlists.manage_entries", NOT_ALLOWED_TO_MANAGE)
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
    version = _next_version(hot_list=hot_list, actor=actor, kind=VersionKind.ENTRY_ADDED, added=1,
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
    _require(actor, "hotlists.manage_entries", NOT_ALLOWED_TO_MANAGE)
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError(REMOVAL_REASON_REQUIRED, code="reason_required")
    hot_list = HotList.objects.select_for_update().get(pk=entry.hot_list_id)
    entry = HotListEntry.objects.select_for_update().get(pk=entry.pk)
    if entry.removed_in_id is not None:
        raise ApplicationError(ENTRY_NOT_CURRENT, code="entry_not_current")
    previous = hot_list.current_version
    version = _next_version(hot_list=hot_list, actor=actor, kind=VersionKind.ENTRY_REMOVED, removed=1, note=reason,
                            entry_count=max((previous.entry_count if previous else 1) - 1, 0))
    entry.removed_in = version
    entry.save(update_fields=["removed_in"])
    hot_list.current_version = version
    hot_list.save(update_fields=["current_version"])
    event_record(actor=actor, code="alprportal.hotlists.entry.removed", target=hot_list,
                 data={"entry": entry.pk, "version": version.number, "plate_pattern": entry.plate_pattern,
                       "state": entry.state, "why": reason})
    return version


# --- Imports and feeds ---------------------------------------------------------------------------------------------


def _open_error_keys(hot_list: HotList) -> dict[tuple[str, str], int]:
    """(plate pattern, state) → open error id: entries withheld from the list until their error is resolved."""
    return {(plate, state): pk for pk, plate, state in HotListEntryError.objects.filter(
        hot_list=hot_list, status=EntryErrorStatus.OPEN).values_list("id", "plate_pattern", "state")}


def _rows_withhold(rows: list[dict[str, Any]], hot_list: HotList) -> tuple[list[dict[str, Any]], list[dict]]:
    """R-HOT-7: rows of a file whose plate and state carry an open error record are kept off the list (the entry was
    marked erroneous and the originating agency has not corrected it yet); returns (kept rows, withheld)."""
    open_keys = _open_error_keys(hot_list)
    if not open_keys:
        return rows, []
    kept, withheld = [], []
    for row in rows:
        error_id = open_keys.get((row["plate_pattern"], row["state"]))
        if error_id is None:
            kept.append(row)
        else:
            withheld.append({"line": row.get("line"), "plate_pattern": row["plate_pattern"], "state": row["state"],
                             "error": error_id})
    return kept, withheld


@transaction.atomic
def hot_list_import_preview(*, actor, hot_list: HotList, content: bytes, filename: str = "") -> HotListImport:
    """Parse an upload into a dry-run preview (R-HOT-1, R-HOT-2): what would be added, changed and removed, and
    per-line errors with line numbers. Nothing on the list changes.

    R-HOT-6: a file named or coming from a list marked for civil immigration enforcement (e.g. an NCIC Immigration
    Violator File extract), or with any line showing it, gets a file-level error, so it can never be applied, not
    even with the other lines; the refusal is logged. R-HOT-7: lines under an open error record are shown as
    withheld."""
    _require(actor, "hotlists.manage_entries", NOT_ALLOWED_TO_MANAGE)
    parsed = csv_parse(content, default_days=hot_list.default_entry_days)
    for where, text in (("the file name", filename), ("the list's name", hot_list.name),
                        ("the list's description", hot_list.description)):
        terms = immigration_screen(text or "")
        if terms:
            parsed.file_errors.insert(0, FILE_IMMIGRATION_SOURCE.format(where=where, terms=", ".join(terms)))
            parsed.rows = []
            break
    diff = None
    withheld: list[dict] = []
    if not parsed.file_errors:
        rows, withheld = _rows_withhold(parsed.rows, hot_list)
        diff = diff_compute(rows, _current_entries(hot_list))
    summary = diff.summary() if diff else {}
    if withheld:
        summary["withheld"] = withheld[:500]
    staged = HotListImport(
        hot_list=hot_list, base_version=hot_list.current_version, filename=(filename or "")[:200],
        file_sha256=parsed.sha256, line_count=parsed.line_count, rows=parsed.rows, errors=parsed.errors,
        file_errors=parsed.file_errors, diff=summary, created_by=actor,
    )
    staged.full_clean(exclude=["rows", "errors", "file_errors", "diff"])
    staged.save()
    refused = [message for message in parsed.file_errors if "R-HOT-6" in message]
    if refused:
        logger.warning("Hot-list import %s refused under SB 54 (R-HOT-6): %s", staged.pk, refused[0])
        event_record(actor=actor, code="alprportal.hotlists.immigration_refused", target=hot_list,
                     data={"where": "import", "import": staged.pk, "filename": staged.filename,
                           "sha256": staged.file_sha256, "why": refused,
                           "lines": [error["line"] for error in parsed.errors
                                     if error.get("code") == "immigration_refused"][:100]})
    return staged


@transaction.atomic
def hot_list_import_apply(*, actor, hot_list_import: HotListImport, skip_invalid_lines: bool = False,
                          note: str = "", kind: str = VersionKind.IMPORT, attested: bool = False) -> HotListVersion:
    """Replace the list's contents with the preview's rows, atomically, as a new version (R-HOT-1, R-HOT-2).

    Locks the list; refuses a preview that is not pending, one made against an older version (superseded), a file
    with file-level errors (R-HOT-6 immigration refusals among them), lines with errors unless
    ``skip_invalid_lines``, a file with no valid entry, and a file with entries whose reason is "other" unless the
    person applying it gives the attestation (``attested``, R-PURP-2; recorded on those entries). Rows under an open
    error record stay off the list (R-HOT-7). On any failure the transaction rolls back and the previous version stays
    in force. Counts as a refresh of the list.
    """
    _require(actor, "hotlists.manage_entries", NOT_ALLOWED_TO_MANAGE)
    staged = HotListImport.objects.select_for_update().get(pk=hot_list_import.pk)
    hot_list = HotList.objects.select_for_update().get(pk=staged.hot_list_id)
    if staged.status != ImportStatus.PREVIEW:
        raise ApplicationError(IMPORT_NOT_PREVIEW.format(status=staged.get_status_display().lower()),
                               code="import_not_preview")
    if staged.base_version_id != hot_list.current_version_id:
        HotListImport.objects.filter(pk=staged.pk).update(status=ImportStatus.SUPERSEDED)
        raise ApplicationError(IMPORT_SUPERSEDED, code="import_superseded")
    if staged.file_errors:
        raise ApplicationError(IMPORT_HAS_FILE_ERRORS.format(errors=" ".join(staged.file_errors)),
                               code="import_file_errors")
    if staged.errors and not skip_invalid_lines:
        raise ApplicationError(IMPORT_HAS_LINE_ERRORS.format(count=len(staged.errors)), code="import_line_errors",
                               extra={"errors": staged.errors[:100]})
    if not staged.rows:
        raise ApplicationError(IMPORT_EMPTY, code="import_empty")
    others = sum(1 for row in staged.rows if row["reason"] == EntryReason.OTHER)
    if others and not attested:
        raise ApplicationError(IMPORT_OTHER_NEEDS_ATTESTATION.format(count=others), code="attestation_required")

    rows, withheld = _rows_withhold(staged.rows, hot_list)
    diff = diff_compute(rows, _current_entries(hot_list))
    now = timezone.now()
    version = _next_version(
        hot_list=hot_list, actor=actor, kind=kind, note=note or f"Replaced from {staged.filename or 'an upload'}.",
        filename=staged.filename, file_sha256=staged.file_sha256, entry_count=len(rows),
        added=len(diff.added), changed=len(diff.changed), removed=len(diff.removed), created_at=now,
    )
    retired = [entry["id"] for entry in diff.removed] + [entry_id for entry_id, _row, _fields in diff.changed]
    for start in range(0, len(retired), 5000):
        HotListEntry.objects.filter(pk__in=retired[start:start + 5000], removed_in__isnull=True).update(
            removed_in=version)
    new_rows = diff.added + [row for _id, row, _fields in diff.changed]
    HotListEntry.objects.bulk_create(
        [HotListEntry(hot_list=hot_list, added_in=version, entered_by=actor, created_at=now,
                      plate_pattern=row["plate_pattern"], is_partial=row["is_partial"], state=row["state"],
                      reason=row["reason"], priority=row["priority"], case_number=row["case_number"],
                      expires_at=datetime.fromisoformat(row["expires_at"]), justification=row["justification"],
                      vehicle_description=row["vehicle_description"], source_entered_by=row["source_entered_by"],
                      **({"attested_by": actor, "attested_at": now} if row["reason"] == EntryReason.OTHER else {}))
         for row in new_rows],
        batch_size=2000,
    )
    hot_list.current_version = version
    hot_list.last_refreshed_at = now
    hot_list.save(update_fields=["current_version", "last_refreshed_at"])
    staged.status = ImportStatus.APPLIED
    staged.applied_version = version
    staged.save(update_fields=["status", "applied_version"])
    if len(retired) + len(new_rows) >= ANALYZE_AFTER_CHANGED_ROWS:
        # A large refresh changes the table's statistics at once; without fresh ones the planner may probe the wrong
        # index at ingest (measured: 15 s instead of 15 ms per batch). Cheap (a sample), after commit.
        transaction.on_commit(_entries_analyze)
    event_record(actor=actor, code="alprportal.hotlists.list.refreshed", target=hot_list,
                 data={"version": version.number, "import": staged.pk, "filename": staged.filename,
                       "sha256": staged.file_sha256, "added": version.added, "changed": version.changed,
                       "removed": version.removed, "entries": version.entry_count,
                       "skipped_lines": len(staged.errors), "why": version.note,
                       "withheld_erroneous": [row["error"] for row in withheld][:100],
                       "other_reason_attested": others})
    return version


ANALYZE_AFTER_CHANGED_ROWS = 1000


def _entries_analyze() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE hotlists_hotlistentry")


@transaction.atomic
def hot_list_import_discard(*, actor, hot_list_import: HotListImport) -> HotListImport:
    staged = HotListImport.objects.select_for_update().get(pk=hot_list_import.pk)
    if staged.status == ImportStatus.PREVIEW:
        staged.status = ImportStatus.DISCARDED
        staged.save(update_fields=["status"])
    return staged


def hot_list_feed_apply(*, actor, hot_list: HotList, content: bytes, filename: str = "feed.csv",
                        skip_invalid_lines: bool = False, note: str = "",
                        attested: bool = False) -> tuple[HotListImport, HotListVersion]:
    """An automated feed: preview and apply in one transaction (the preview row is kept as the record of the file).
    Refused, with nothing applied, on the same conditions as ``hot_list_import_apply``."""
    with transaction.atomic():
        staged = hot_list_import_preview(actor=actor, hot_list=hot_list, content=content, filename=filename)
        version = hot_list_import_apply(actor=actor, hot_list_import=staged, skip_invalid_lines=skip_invalid_lines,
                                        note=note or "Automated feed.", kind=VersionKind.FEED, attested=attested)
    return staged, version


# --- Matching (R-HOT-3) --------------------------------------------------------------------------------------------

# The batch's reads, each with the exact entries in force it matches (one LEFT JOIN through the partial index
# hotlistentry_exact_current). The list's current version comes from the same statement, so the hit names the version
# the entry was matched in even if an import commits meanwhile.
_READS_WITH_EXACT_SQL = """
SELECT r.id, r.plate_current, r.region, r.camera_id, r.captured_at, e.id, e.hot_list_id, e.state, e.priority,
       h.current_version_id
FROM reads_read r
LEFT JOIN hotlists_hotlistentry e
  ON e.plate_pattern = r.plate_current AND e.removed_in_id IS NULL AND NOT e.is_partial AND e.expires_at > %s
LEFT JOIN hotlists_hotlist h ON h.id = e.hot_list_id
WHERE r.id = ANY(%s) AND r.archived_at IS NULL AND NOT r.flagged_out_of_service
"""


def _reads_with_exact(read_ids: list[int], *, now: datetime, list_ids: list[int]):
    """(reads, [(read, EntryRef)] for exact entries)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # Which lists are usable is filtered below, in Python: the statement then has one index to use.
            cursor.execute(_READS_WITH_EXACT_SQL, [now, read_ids])
            rows = cursor.fetchall()
    else:  # SQLite on a laptop: the same in two ORM queries
        from apps.reads.models import Read

        reads = list(Read.objects.filter(pk__in=read_ids, archived_at__isnull=True, flagged_out_of_service=False)
                     .values_list("id", "plate_current", "region", "camera_id", "captured_at"))
        entries: dict[str, list] = {}
        for entry in (HotListEntry.objects.filter(plate_pattern__in={r[1] for r in reads}, removed_in__isnull=True,
                                                  is_partial=False, expires_at__gt=now, hot_list_id__in=list_ids)
                      .values_list("plate_pattern", "id", "hot_list_id", "state", "priority",
                                   "hot_list__current_version_id")):
            entries.setdefault(entry[0], []).append(entry[1:])
        rows = [(*r, *e) for r in reads for e in entries.get(r[1], [(None,) * 5])]
    usable = set(list_ids)
    reads_by_id: dict[int, ReadRow] = {}
    exact = []
    for read_id, plate, region, camera_id, captured_at, entry_id, list_id, state, priority, version_id in rows:
        read = reads_by_id.get(read_id)
        if read is None:
            read = reads_by_id[read_id] = ReadRow(read_id, plate, region, camera_id, captured_at)
        if entry_id is not None and list_id in usable:
            exact.append((read, EntryRef(entry_id, list_id, version_id, state, float("inf"), priority, plate)))
    return list(reads_by_id.values()), exact


def hits_match_reads(*, read_ids: Iterable[int] = (), reads: Iterable = ()) -> list[int]:
    """Match newly stored reads against every active, fresh (R-HOT-2), unexpired hot-list entry, partial patterns
    included (R-HOT-3, R-READ-4); store one hit per (read, entry) linking the read, the entry and the list version.
    Returns the ids of the hits created (a read matched twice creates nothing new). A read flagged as captured while
    its unit was reported out of service is never matched, on any path: ingest, correction, catch-up (R-READ-5a).

    Called by the reads ingest service inside its transaction, so hits commit with their reads. Matching must never
    lose a read, nor fail the batch: an unexpected error is logged and rolled back to a savepoint, the reads are
    recorded as ``PendingMatch`` rows in the same (still usable) transaction, so they commit with the reads, and
    ``hits_match_pending`` matches them: at once after commit if the broker takes the task, else from beat
    (issue #9). Only a failure of the database itself outside the savepoint propagates (the batch then rolls back
    as a whole and the camera sends it again).
    """
    ids = [int(pk) for pk in read_ids] + [int(getattr(read, "pk", read)) for read in reads]
    if not ids:
        return []
    try:
        now = timezone.now()
        usable = hot_list_usable_versions(now=now)  # one small read-only query; no savepoint when nothing is usable
        if not usable:
            return []
        with transaction.atomic():
            return _match(ids, now=now, usable=usable)
    except Exception:
        logger.exception("Hot-list matching failed for %s reads; they are recorded and matched again after commit.",
                         len(ids))
        _pending_matches_record(ids)
        return []


def _pending_matches_record(read_ids: list[int]) -> None:
    from apps.hotlists.tasks import hits_match_reads_task

    PendingMatch.objects.bulk_create([PendingMatch(read_id=read_id) for read_id in read_ids], ignore_conflicts=True)
    # Best effort: with the broker down the rows wait for beat's hits-match-pending; the request never fails for it.
    task_send_on_commit(hits_match_reads_task, read_ids=read_ids)


def hits_match_pending(*, read_ids: Iterable[int] | None = None, batch_size: int = PENDING_MATCH_BATCH) -> int:
    """Match the reads recorded as ``PendingMatch`` (their matching failed in the ingest transaction, R-HOT-3) and
    delete their rows; ``read_ids`` limits it to those reads (the task sent after the ingest), None drains them all
    (beat, every 5 minutes). Returns how many reads were matched.

    Idempotent and safe to run concurrently: a hit exists once per read and entry (``hit_once_per_read_and_entry``,
    inserted with ``ignore_conflicts``), and each batch locks its rows with SKIP LOCKED, so two runs never match the
    same rows at once. A batch that fails rolls back (its rows stay, their ``attempts`` and ``error`` say why) and
    the run stops; the next run tries again. Reads archived or purged meanwhile match nothing and are dropped.
    """
    wanted = None if read_ids is None else [int(read_id) for read_id in read_ids]
    matched = 0
    while True:
        batch: list[tuple[int, int]] = []
        rows = PendingMatch.objects.order_by("id")
        if wanted is not None:
            rows = rows.filter(read_id__in=wanted)
        try:
            with transaction.atomic():
                batch = list(rows.select_for_update(skip_locked=True).values_list("id", "read_id")[:batch_size])
                if not batch:
                    return matched
                now = timezone.now()
                usable = hot_list_usable_versions(now=now)
                if usable:
                    _match([read_id for _pk, read_id in batch], now=now, usable=usable)
                PendingMatch.objects.filter(pk__in=[pk for pk, _read_id in batch]).delete()
        except Exception as exc:
            logger.exception("Matching %s pending reads failed; they stay pending for the next run.", len(batch))
            PendingMatch.objects.filter(pk__in=[pk for pk, _read_id in batch]).update(
                attempts=F("attempts") + 1, error=f"{type(exc).__name__}: {exc}"[:2000])
            raise
        matched += len(batch)
        if len(batch) < batch_size:
            return matched


def _match(read_ids: list[int], *, now: datetime, usable: dict[int, tuple[int, int]]) -> list[int]:
    versions = [matcher_cache.get(hot_list_id=list_id, version_id=version_id, number=number, now=now)
                for list_id, (version_id, number) in usable.items()]
    matcher_cache.retain(version_id for version_id, _number in usable.values())
    reads, exact = _reads_with_exact(read_ids, now=now, list_ids=list(usable))
    matches = [(read, ref) for read, ref in exact if not (ref.state and region_state(read.region)
                                                            and ref.state != region_state(read.region))]
    if any(v.entry_count for v in versions):
        matches += list(match_rows(reads, versions, now_ts=now.timestamp()))
    hits = [Hit(read_id=read.read_id, entry_id=ref.entry_id, version_id=ref.version_id, hot_list_id=ref.hot_list_id,
                camera_id=read.camera_id, plate=read.plate, priority=ref.priority, captured_at=read.captured_at,
                matched_at=now, updated_at=now)
            for read, ref in matches]
    if not hits:
        return []
    created = Hit.objects.bulk_create(hits, ignore_conflicts=True)
    stored = list(Hit.objects.filter(read_id__in={h.read_id for h in created}, matched_at=now)
                  .values_list("id", flat=True))
    logger.info("%s hits from %s reads", len(stored), len(reads))
    return stored


# --- Hits (R-HOT-4, R-HOT-5) ---------------------------------------------------------------------------------------


def _hit_locked(hit: Hit, target: str) -> Hit:
    locked = Hit.objects.select_for_update().get(pk=hit.pk)
    if target not in HIT_TRANSITIONS.get(locked.status, ()):
        if target == HitStatus.ACTIONED:
            raise ApplicationError(HIT_ACTION_NEEDS_CONFIRMATION, code="hit_not_confirmed")
        raise ApplicationError(HIT_TRANSITION_ILLEGAL.format(status=locked.get_status_display().lower(),
                                                             target=HitStatus(target).label.lower()),
                               code="hit_transition_illegal")
    return locked


def _hit_event(*, actor, hit: Hit, old: str, verb: str, data: dict) -> None:
    event_record(actor=actor, code=f"alprportal.hotlists.hit.{verb}", target=hit,
                 data={"old": old, "new": hit.status, "read": hit.read_id, "entry": hit.entry_id,
                       "plate": hit.plate, **data})


@transaction.atomic
def hit_confirm(*, actor, hit: Hit, method: str, result: str, note: str = "", reference: str = "") -> Hit:
    """new → confirmed (R-HOT-4): who confirmed, how (dispatch, CLETS…), the result (still wanted or cleared) and
    the dispatcher or reference; the time is the server's, never the client's (R-HOT-4a).

    R-HOT-4a: a hit on a stolen vehicle or stolen plate is confirmed only with dispatch/communications or CLETS, and
    names the dispatcher or the CLETS reference. Acting before confirmation is ``hit_act_exigent``, never this.
    Raises ApplicationError for any other starting state, a method not allowed for the hit, or a missing reference.
    """
    _require(actor, "hotlists.confirm_hit", NOT_ALLOWED_TO_CONFIRM)
    if method not in ConfirmationMethod.values or method == ConfirmationMethod.EXIGENT:
        raise ApplicationError(CONFIRMATION_METHOD_INVALID, code="confirmation_method_invalid")
    if result not in ConfirmationResult.values or result == ConfirmationResult.UNCONFIRMED:
        raise ApplicationError(CONFIRMATION_RESULT_INVALID, code="confirmation_result_invalid")
    reference = (reference or "").strip()
    hit = _hit_locked(hit, HitStatus.CONFIRMED)
    if hit.entry.reason in STOLEN_REASONS:
        if method not in STOLEN_CONFIRMATION_METHODS:
            raise ApplicationError(STOLEN_NEEDS_DISPATCH_OR_CLETS, code="stolen_needs_dispatch_or_clets")
        if not reference:
            raise ApplicationError(STOLEN_NEEDS_REFERENCE, code="stolen_needs_reference")
    old = hit.status
    now = timezone.now()
    hit.status = HitStatus.CONFIRMED
    hit.confirmed_by, hit.confirmed_at = actor, now
    hit.confirmation_method, hit.confirmation_result, hit.confirmation_note = method, result, (note or "").strip()
    hit.confirmation_reference = reference
    hit.updated_at = now
    hit.full_clean()
    hit.save(update_fields=["status", "confirmed_by", "confirmed_at", "confirmation_method", "confirmation_result",
                            "confirmation_note", "confirmation_reference", "updated_at"])
    _hit_event(actor=actor, hit=hit, old=old, verb="confirmed",
               data={"method": method, "result": result, "confirmed_at": hit.confirmed_at, "reference": reference,
                     "note": hit.confirmation_note})
    return hit


@transaction.atomic
def hit_act_exigent(*, actor, hit: Hit, action: str, justification: str, note: str = "") -> Hit:
    """new → actioned without a confirmation, under exigent circumstances (R-HOT-4a, policy 002: "in the absence of
    exigent circumstances … confirmed with the communications prior to taking any related law enforcement action").

    Records who acted, the action, the server's time and the justification (required); the hit is marked
    ``confirmation_method=exigent`` / ``confirmation_result=unconfirmed`` so nobody reads it as confirmed, and it
    enters the supervisors' review queue (``hit_exigent_review``); supervisors are alerted. Raises ApplicationError
    when the hit is not new or the justification is missing.
    """
    _require(actor, "hotlists.confirm_hit", NOT_ALLOWED_TO_CONFIRM)
    HitAction(action)
    justification = (justification or "").strip()
    if not justification:
        raise ApplicationError(EXIGENT_JUSTIFICATION_REQUIRED, code="exigent_justification_required")
    hit = Hit.objects.select_for_update().get(pk=hit.pk)
    if hit.status != HitStatus.NEW:
        raise ApplicationError(EXIGENT_ONLY_FROM_NEW.format(status=hit.get_status_display().lower()),
                               code="exigent_not_new")
    old = hit.status
    now = timezone.now()
    hit.status = HitStatus.ACTIONED
    hit.confirmed_by, hit.confirmed_at = actor, now
    hit.confirmation_method, hit.confirmation_result = ConfirmationMethod.EXIGENT, ConfirmationResult.UNCONFIRMED
    hit.exigent_justification = justification
    hit.action, hit.action_by, hit.action_at, hit.action_note = action, actor, now, (note or "").strip()
    hit.updated_at = now
    hit.full_clean()
    hit.save(update_fields=["status", "confirmed_by", "confirmed_at", "confirmation_method", "confirmation_result",
                            "exigent_justification", "action", "action_by", "action_at", "action_note",
                            "updated_at"])
    _hit_event(actor=actor, hit=hit, old=old, verb="exigent_action",
               data={"action": action, "justification": justification, "acted_at": now})
    notification_send(
        recipients=[actor.supervisor] if getattr(actor, "supervisor", None) else [], roles=[Role.SUPERVISOR],
        severity=Severity.WARNING, title=f"Hit {hit.pk}: action taken before confirmation (exigent)",
        body=(f"{actor} recorded “{hit.get_action_display()}” at {timezone.localtime(now):%Y-%m-%d %H:%M} without "
              f"dispatch or CLETS confirmation: {justification} Review it (R-HOT-4a)."),
        link=reverse("hotlists:exigent_queue"), dedupe_key=f"hit-exigent:{hit.pk}",
    )
    return hit


@transaction.atomic
def hit_exigent_review(*, actor, hit: Hit, outcome: str, note: str) -> Hit:
    """A supervisor's review of an action taken before confirmation (R-HOT-4a): justified or not, with a note; the
    time is the server's. Nobody reviews their own action. Raises ApplicationError for a hit that was not acted on
    under exigent circumstances, one already reviewed, or a missing note."""
    _require(actor, "hotlists.review_exigent_hit", EXIGENT_REVIEW_NOT_ALLOWED)
    ExigentReviewOutcome(outcome)
    note = (note or "").strip()
    if not note:
        raise ApplicationError(HIT_NOTE_REQUIRED, code="note_required")
    hit = Hit.objects.select_for_update().get(pk=hit.pk)
    if hit.confirmation_method != ConfirmationMethod.EXIGENT:
        raise ApplicationError(EXIGENT_REVIEW_NOT_EXIGENT, code="exigent_review_not_exigent")
    if hit.exigent_reviewed_at is not None:
        raise ApplicationError(EXIGENT_REVIEW_DONE, code="exigent_review_done")
    if hit.action_by_id == getattr(actor, "pk", None):
        raise PermissionDeniedError(EXIGENT_REVIEW_OWN, code="exigent_review_own")
    now = timezone.now()
    hit.exigent_reviewed_by, hit.exigent_reviewed_at = actor, now
    hit.exigent_review_outcome, hit.exigent_review_note, hit.updated_at = outcome, note, now
    hit.full_clean()
    hit.save(update_fields=["exigent_reviewed_by", "exigent_reviewed_at", "exigent_review_outcome",
                            "exigent_review_note", "updated_at"])
    _hit_event(actor=actor, hit=hit, old=hit.status, verb="exigent_reviewed",
               data={"outcome": outcome, "note": note, "acted_by": hit.action_by_id})
    notifications_resolve(dedupe_keys=[f"hit-exigent:{hit.pk}"])  # the review asked is done (issue #17)
    return hit


def _hit_dismiss(*, actor, hit: Hit, target: str, note: str, verb: str) -> Hit:
    _require(actor, "hotlists.confirm_hit", NOT_ALLOWED_TO_CONFIRM)
    note = (note or "").strip()
    if not note:
        raise ApplicationError(HIT_NOTE_REQUIRED, code="note_required")
    hit = _hit_locked(hit, target)
    old = hit.status
    now = timezone.now()
    hit.status, hit.dismissed_by, hit.dismissed_at, hit.dismissal_note, hit.updated_at = target, actor, now, note, now
    hit.full_clean()
    hit.save(update_fields=["status", "dismissed_by", "dismissed_at", "dismissal_note", "updated_at"])
    _hit_event(actor=actor, hit=hit, old=old, verb=verb, data={"note": note, "camera": hit.camera_id})
    return hit


@transaction.atomic
def hit_mark_misread(*, actor, hit: Hit, note: str) -> Hit:
    """new → misread: the crop does not show the listed plate (OCR misread). Counted per camera and engine in the
    data-quality review (R-HOT-5)."""
    return _hit_dismiss(actor=actor, hit=hit, target=HitStatus.MISREAD, note=note, verb="misread")


@transaction.atomic
def hit_mark_not_actionable(*, actor, hit: Hit, note: str) -> Hit:
    """new → not actionable (e.g. vehicle gone, unit busy on a higher-priority call)."""
    return _hit_dismiss(actor=actor, hit=hit, target=HitStatus.NOT_ACTIONABLE, note=note, verb="not_actionable")


@transaction.atomic
def hit_record_action(*, actor, hit: Hit, action: str, note: str = "") -> Hit:
    """confirmed → actioned: the action taken, recorded only after a confirmation (R-HOT-4). When the confirmation
    found the plate cleared, no enforcement action may be recorded."""
    _require(actor, "hotlists.confirm_hit", NOT_ALLOWED_TO_CONFIRM)
    HitAction(action)
    hit = _hit_locked(hit, HitStatus.ACTIONED)
    if hit.confirmation_result == ConfirmationResult.CLEARED and action in ENFORCEMENT_ACTIONS:
        raise ApplicationError(HIT_ACTION_AFTER_CLEARED, code="hit_cleared")
    old = hit.status
    now = timezone.now()
    hit.status, hit.action, hit.action_by, hit.action_at = HitStatus.ACTIONED, action, actor, now
    hit.action_note, hit.updated_at = (note or "").strip(), now
    hit.full_clean()
    hit.save(update_fields=["status", "action", "action_by", "action_at", "action_note", "updated_at"])
    _hit_event(actor=actor, hit=hit, old=old, verb="actioned", data={"action": action, "note": hit.action_note})
    return hit


def hits_withdraw_out_of_service(*, actor, read_ids: Iterable[int], effective_at: datetime) -> int:
    """Close the open, unconfirmed hits of reads that a later out-of-service report flagged (R-READ-5a): damaged
    equipment "shall not be used" (policy 002), so a hit it raised before the damage was reported is not acted on.
    Each becomes *not actionable* with a note saying why, and its own domain event. Called by
    ``camera_report_status`` in its transaction. Returns how many hits were closed."""
    ids = list(read_ids)
    if not ids:
        return 0
    now = timezone.now()
    note = HIT_WITHDRAWN_OUT_OF_SERVICE.format(when=f"{timezone.localtime(effective_at):%Y-%m-%d %H:%M}")
    who = actor if getattr(actor, "pk", None) else None
    closed = 0
    for hit in Hit.objects.select_for_update().filter(read_id__in=ids, status=HitStatus.NEW).order_by("id"):
        hit.status, hit.dismissed_by, hit.dismissed_at = HitStatus.NOT_ACTIONABLE, who, now
        hit.dismissal_note, hit.updated_at = note, now
        hit.save(update_fields=["status", "dismissed_by", "dismissed_at", "dismissal_note", "updated_at"])
        _hit_event(actor=actor, hit=hit, old=HitStatus.NEW, verb="withdrawn_out_of_service",
                   data={"note": note, "camera": hit.camera_id})
        closed += 1
    return closed


# --- Alerts --------------------------------------------------------------------------------------------------------


def hot_lists_alert_stale(*, now: datetime | None = None) -> int:
    """Alert the owner of every active external list that has gone stale (R-HOT-2), once per stale period (the
    dedupe key names the last refresh). Idempotent; returns the number of alerts sent. Staleness itself is decided at
    match time, whether or not this ran."""
    now = now or timezone.now()
    sent = 0
    for hot_list in HotList.objects.filter(active=True, source__in=[s.value for s in HotListSource
                                                                       if s != HotListSource.OWN]):
        if not hot_list.is_stale(now):
            continue
        refreshed = hot_list.last_refreshed_at.isoformat() if hot_list.last_refreshed_at else "never"
        with transaction.atomic():
            created = notification_send(
                recipients=[hot_list.owner], severity=Severity.CRITICAL,
                title=f"Hot list “{hot_list.name}” is stale and no longer matches",
                body=(f"It was last refreshed {refreshed}. A list from another agency is not used for more than "
                      f"{settings.PORTAL['PARTNER_HOTLIST_MAX_AGE_HOURS']} hours without a refresh (R-HOT-2). "
                      "Upload its current version to resume matching."),
                link=reverse("hotlists:detail", args=[hot_list.pk]),
                dedupe_key=f"hotlist-stale:{hot_list.pk}:{refreshed}",
            )
            if created:
                event_record(actor=None, code="alprportal.hotlists.list.stale", target=hot_list,
                             data={"last_refreshed_at": hot_list.last_refreshed_at, "owner": hot_list.owner_id})
        sent += len(created)
    return sent


def units_out_of_service_notify(*, now: datetime | None = None, lookback_hours: int = 24) -> int:
    """Tell the ALPR Administrator (R-ADM-1; ``alpr_administrator_recipients``, which falls back to the agency's
    system administrators when none is designated) and the officer's own supervisor about units reported out of
    service in the last ``lookback_hours`` that are still out of service (policy 002, R-READ-5). Idempotent per
    status report."""
    from datetime import timedelta

    from apps.accounts.selectors import alpr_administrator_recipients
    from apps.reads.choices import CameraStatus
    from apps.reads.models import CameraStatusReport

    now = now or timezone.now()
    reports = (CameraStatusReport.objects.filter(status=CameraStatus.OUT_OF_SERVICE,
                                                 camera__status=CameraStatus.OUT_OF_SERVICE,
                                                 reported_at__gte=now - timedelta(hours=lookback_hours))
               .select_related("camera__agency", "camera__assigned_officer__supervisor", "reported_by"))
    sent = 0
    for report in reports:
        officer = report.camera.assigned_officer
        with transaction.atomic():
            sent += len(notification_send(
                recipients=[*alpr_administrator_recipients(agency=report.camera.agency),
                            *([officer.supervisor] if officer and officer.supervisor else [])],
                severity=Severity.WARNING,
                title=f"{report.camera} reported out of service",
                body=(f"Reported by {report.reported_by} at {timezone.localtime(report.reported_at):%Y-%m-%d %H:%M}, "
                      f"effective {timezone.localtime(report.effective_at):%Y-%m-%d %H:%M}: {report.reason} "
                      "Its reads are stored flagged and are not matched against the hot lists until it is back in "
                      "service (R-READ-5a)."),
                link=reverse("reads:camera", args=[report.camera_id]),
                dedupe_key=f"unit-out-of-service:{report.pk}",
            ))
    return sent


# --- Errors, referrals and data-quality reviews (R-HOT-7, policy 004 §IV) ----------------------------------------


def _originating_agency(hot_list: HotList):
    """The agency that originated a list's entries when it is not ours (None for our own lists)."""
    from apps.agencies.selectors import agency_get_deploying

    if hot_list.source == HotListSource.OWN:
        return None, ""
    deploying = agency_get_deploying()
    if hot_list.agency_id and deploying is not None and hot_list.agency_id == deploying.pk:
        return None, ""
    if hot_list.agency is not None:
        return hot_list.agency, hot_list.agency.name
    return None, HotListSource(hot_list.source).label


@transaction.atomic
def hot_list_entry_mark_erroneous(*, actor, entry: HotListEntry, kind: str, description: str) -> HotListEntryError:
    """Record that an entry is erroneous (R-HOT-7): who, when, what was wrong. In the same transaction the entry is
    taken off its list as a new version, so it stops matching at once — reads still waiting in ``PendingMatch`` are
    matched against that version and find nothing — and its unconfirmed hits are closed as not actionable with the
    reason. While the error is open, re-imports withhold the same plate and state. An entry of another agency gets a
    referral back to it, which a supervisor marks sent; supervisors are notified.

    Raises PermissionDeniedError without ``hotlists.manage_entries``; ApplicationError without a description, for an
    entry no longer on the list, or when an error is already recorded for it."""
    _require(actor, "hotlists.manage_entries", NOT_ALLOWED_TO_MANAGE)
    EntryErrorKind(kind)
    description = (description or "").strip()
    if not description:
        raise ApplicationError(ERROR_DESCRIPTION_REQUIRED, code="description_required")
    hot_list = HotList.objects.select_for_update().get(pk=entry.hot_list_id)
    entry = HotListEntry.objects.select_for_update().get(pk=entry.pk)
    if HotListEntryError.objects.filter(entry=entry).exists():
        raise ApplicationError(ERROR_ALREADY_RECORDED, code="error_already_recorded")
    if entry.removed_in_id is not None:
        raise ApplicationError(ERROR_ENTRY_NOT_CURRENT, code="entry_not_current")
    now = timezone.now()
    previous = hot_list.current_version
    version = _next_version(hot_list=hot_list, actor=actor, kind=VersionKind.ENTRY_ERROR, removed=1,
                            entry_count=max((previous.entry_count if previous else 1) - 1, 0),
                            note=f"{entry.plate_pattern} marked erroneous: {description}"[:2000], created_at=now)
    entry.removed_in = version
    entry.save(update_fields=["removed_in"])
    hot_list.current_version = version
    hot_list.save(update_fields=["current_version"])
    error = HotListEntryError(hot_list=hot_list, entry=entry, plate_pattern=entry.plate_pattern, state=entry.state,
                              kind=kind, description=description, reported_by=actor, reported_at=now,
                              removed_in=version)
    error.full_clean()
    error.save(force_insert=True)
    open_hits = list(Hit.objects.select_for_update().filter(entry=entry, status=HitStatus.NEW)
                     .values_list("id", flat=True))
    if open_hits:
        Hit.objects.filter(pk__in=open_hits).update(
            status=HitStatus.NOT_ACTIONABLE, dismissed_by=actor, dismissed_at=now, updated_at=now,
            dismissal_note=ERRONEOUS_HIT_NOTE.format(error=error.pk, description=description)[:2000])
        error.hits_closed = len(open_hits)
        error.save(update_fields=["hits_closed"])
    agency, agency_name = _originating_agency(hot_list)
    referral = None
    if agency_name:
        referral = HotListEntryReferral(error=error, agency=agency, agency_name=agency_name, created_at=now)
        referral.full_clean()
        referral.save(force_insert=True)
    event_record(actor=actor, code="alprportal.hotlists.entry.erroneous", target=hot_list,
                 data={"error": error.pk, "entry": entry.pk, "version": version.number,
                       "plate_pattern": entry.plate_pattern, "state": entry.state, "kind": kind,
                       "what": description, "hits_closed": open_hits,
                       "referred_to": agency_name or None})
    body = (f"{entry.plate_pattern} on “{hot_list}” was marked erroneous by {actor}: {description}. It no longer "
            "matches (R-HOT-7).")
    if referral is not None:
        body += f" Refer it to {agency_name} and record the referral as sent."
    notification_send(roles=[Role.SUPERVISOR], severity=Severity.WARNING,
                      title=f"Hot-list entry marked erroneous{' — referral to ' + agency_name if referral else ''}",
                      body=body, link=reverse("hotlists:errors"), dedupe_key=f"hotlist-entry-error:{error.pk}")
    return error


@transaction.atomic
def hot_list_entry_error_resolve(*, actor, error: HotListEntryError, note: str) -> HotListEntryError:
    """Close an error record (R-HOT-7): the entry was corrected (by us, or by the originating agency in its next
    file). From then on a re-import may carry the plate again. The entry itself stays off: a corrected entry comes
    back as a new entry or with the originating agency's next file."""
    _require(actor, "hotlists.manage_entries", NOT_ALLOWED_TO_MANAGE)
    note = (note or "").strip()
    if not note:
        raise ApplicationError(RESOLUTION_NOTE_REQUIRED, code="note_required")
    error = HotListEntryError.objects.select_for_update().get(pk=error.pk)
    if error.status != EntryErrorStatus.OPEN:
        raise ApplicationError(ERROR_NOT_OPEN, code="error_not_open")
    error.status, error.resolved_by, error.resolved_at, error.resolution_note = (
        EntryErrorStatus.RESOLVED, actor, timezone.now(), note)
    error.full_clean()
    error.save(update_fields=["status", "resolved_by", "resolved_at", "resolution_note"])
    event_record(actor=actor, code="alprportal.hotlists.entry_error.resolved", target=error.hot_list,
                 data={"error": error.pk, "old": EntryErrorStatus.OPEN, "new": error.status, "note": note})
    notifications_resolve(dedupe_keys=[f"hotlist-entry-error:{error.pk}"])
    return error


@transaction.atomic
def hot_list_entry_referral_mark_sent(*, actor, referral: HotListEntryReferral, via: str) -> HotListEntryReferral:
    """pending → sent (R-HOT-7): a supervisor records when (the server's time) and how the referral of an erroneous
    entry went out to its originating agency."""
    _require(actor, "hotlists.send_referral", NOT_ALLOWED_TO_REFER)
    via = (via or "").strip()
    if not via:
        raise ApplicationError(REFERRAL_VIA_REQUIRED, code="via_required")
    referral = HotListEntryReferral.objects.select_for_update().get(pk=referral.pk)
    if referral.status != ReferralStatus.PENDING:
        raise ApplicationError(REFERRAL_NOT_PENDING.format(date=f"{timezone.localtime(referral.sent_at):%Y-%m-%d}"),
                               code="referral_not_pending")
    referral.status, referral.sent_by, referral.sent_at, referral.sent_via = (
        ReferralStatus.SENT, actor, timezone.now(), via[:200])
    referral.full_clean()
    referral.save(update_fields=["status", "sent_by", "sent_at", "sent_via"])
    event_record(actor=actor, code="alprportal.hotlists.entry_referral.sent", target=referral,
                 data={"error": referral.error_id, "agency": referral.agency_name, "old": ReferralStatus.PENDING,
                       "new": referral.status, "via": referral.sent_via})
    return referral


@transaction.atomic
def hot_list_quality_review_record(*, actor, scope: str, findings: str, hot_list: HotList | None = None,
                                   entries_checked: int = 0, errors_found: int = 0) -> HotListQualityReview:
    """Record a periodic data-quality review (R-HOT-7): who, when (the server's time), scope and findings; empty
    ``hot_list`` covers every list. Resets the overdue alert of the lists it covers."""
    _require(actor, "hotlists.add_hotlistqualityreview", NOT_ALLOWED_TO_REVIEW_QUALITY)
    scope, findings = (scope or "").strip(), (findings or "").strip()
    if not scope:
        raise ApplicationError(QUALITY_SCOPE_REQUIRED, code="scope_required")
    if not findings:
        raise ApplicationError(QUALITY_FINDINGS_REQUIRED, code="findings_required")
    review = HotListQualityReview(hot_list=hot_list, scope=scope, findings=findings, reviewed_by=actor,
                                  reviewed_at=timezone.now(), entries_checked=max(int(entries_checked or 0), 0),
                                  errors_found=max(int(errors_found or 0), 0))
    review.full_clean()
    review.save(force_insert=True)
    event_record(actor=actor, code="alprportal.hotlists.quality_review.recorded", target=review,
                 data={"hot_list": hot_list.pk if hot_list else None, "scope": scope, "findings": findings,
                       "entries_checked": review.entries_checked, "errors_found": review.errors_found})
    return review


def hot_list_quality_review_due(hot_list: HotList) -> datetime:
    """When the list's next data-quality review is due (R-HOT-7): its last review covering it (one of that list or
    of every list), or its creation, plus ``HOTLIST_QUALITY_REVIEW_DAYS``."""
    from datetime import timedelta

    from django.db.models import Q

    last = (HotListQualityReview.objects.filter(Q(hot_list=hot_list) | Q(hot_list__isnull=True))
            .order_by("-reviewed_at").values_list("reviewed_at", flat=True).first())
    return (last or hot_list.created_at) + timedelta(days=settings.PORTAL["HOTLIST_QUALITY_REVIEW_DAYS"])


def hot_list_quality_reviews_alert_overdue(*, now: datetime | None = None) -> int:
    """Alert the owner and the supervisors of every active own-agency list whose data-quality review is overdue
    (R-HOT-7: the agency reviews the information it originates). Idempotent: one alert per list and due date (the
    dedupe key names both). Returns the number of notifications sent."""
    now = now or timezone.now()
    sent = 0
    for hot_list in HotList.objects.filter(active=True, source=HotListSource.OWN).select_related("owner"):
        due = hot_list_quality_review_due(hot_list)
        if due > now:
            continue
        with transaction.atomic():
            created = notification_send(
                recipients=[hot_list.owner], roles=[Role.SUPERVISOR], severity=Severity.WARNING,
                title=f"Data-quality review of “{hot_list.name}” is overdue",
                body=(f"It was due on {timezone.localtime(due):%Y-%m-%d}. Review the list's entries (accuracy, "
                      "currency, justification) and record the review, its scope and findings (R-HOT-7, policy 004 "
                      "§IV)."),
                link=reverse("hotlists:quality"),
                dedupe_key=f"hotlist-quality-overdue:{hot_list.pk}:{due:%Y-%m-%d}",
            )
            if created:
                event_record(actor=None, code="alprportal.hotlists.quality_review.overdue", target=hot_list,
                             data={"due": due})
        sent += len(created)
    return sent
