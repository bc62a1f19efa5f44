"""Imports and feeds of hot lists (R-HOT-2): preview the differences of a file, apply or discard them."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from apps.audit.justification_rules import ATTESTATION_REQUIRED
from apps.audit.services import event_record
from apps.common.errors import ApplicationError
from apps.common.unstorable import unstorable_text_find
from apps.disclosures.immigration_screen import immigration_screen
from apps.hotlists.choices import EntryErrorStatus, EntryReason, ImportStatus, VersionKind
from apps.hotlists.imports import FILE_IMMIGRATION_SOURCE, csv_parse, diff_compute
from apps.hotlists.models import HotList, HotListEntry, HotListEntryError, HotListImport, HotListVersion
from apps.hotlists.services.lists import (
    NOT_ALLOWED_TO_MANAGE,
    hot_list_entry_rows_current,
    hot_list_version_next,
    permission_require,
)

logger = logging.getLogger("alprportal.hotlists")
IMPORT_NOT_PREVIEW = "This import is {status}; upload the file again."
IMPORT_SUPERSEDED = "The list changed since this preview was made; upload the file again to see the new differences."
IMPORT_HAS_FILE_ERRORS = "The file cannot be used: {errors}"
IMPORT_HAS_LINE_ERRORS = (
    "{count} lines have errors. Fix the file, or confirm that the lines with errors are skipped."
)
IMPORT_EMPTY = "The file holds no valid entries; applying it would empty the list. Nothing was applied."
IMPORT_OTHER_NEEDS_ATTESTATION = ATTESTATION_REQUIRED.format(
    subject="This file has {count} entries whose reason is “other”: applying it")


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
    permission_require(actor, "hotlists.manage_entries", NOT_ALLOWED_TO_MANAGE)
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
        diff = diff_compute(rows, hot_list_entry_rows_current(hot_list))
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
    in force. Counts as a refresh of the list. A note PostgreSQL cannot store (a NUL: the feed takes it from the query
    string) is refused naming the field.
    """
    permission_require(actor, "hotlists.manage_entries", NOT_ALLOWED_TO_MANAGE)
    unstorable = unstorable_text_find({"note": note})
    if unstorable is not None:
        raise ApplicationError(unstorable.message, code=unstorable.code, extra={"field": "note"})
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
    diff = diff_compute(rows, hot_list_entry_rows_current(hot_list))
    now = timezone.now()
    version = hot_list_version_next(
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


