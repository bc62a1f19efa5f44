"""Parsing a hot-list CSV into valid rows and per-line errors, and the diff against a list's entries in force.

Pure functions (no writes): ``services.hot_list_import_preview`` stores what they return, and
``services.hot_list_import_apply`` recomputes the diff under a lock before applying it.

The file: UTF-8 (a BOM is accepted), comma-separated, one header line. Columns (any order, case-insensitive):
``plate`` and ``reason`` are required; ``state``, ``priority`` (1–4), ``case_number``, ``expires`` (ISO date or
date-time; empty: the list's default), ``why``, ``vehicle``, ``entered_by`` are optional. Any other column refuses
the file, so a feed that changed its layout is never half-understood.
"""

from __future__ import annotations

import csv
import hashlib
import io
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Any

from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from apps.audit.justification_rules import ENTRY_SUBJECT, justification_check
from apps.common.errors import ApplicationError
from apps.disclosures.immigration_screen import immigration_screen
from apps.hotlists.choices import EntryReason, Priority
from apps.reads.plates import plate_pattern_parse

REQUIRED_COLUMNS = ("plate", "reason")
OPTIONAL_COLUMNS = ("state", "priority", "case_number", "expires", "why", "vehicle", "entered_by")
COMPARED_FIELDS = ("reason", "priority", "case_number", "expires_at", "justification", "vehicle_description",
                   "source_entered_by")
MAX_FILE_BYTES = 50 * 1024 * 1024
MAX_LINES = 500_000
SAMPLE_SIZE = 50

FILE_EMPTY = "The file is empty."
FILE_TOO_LARGE = "The file is larger than {limit} MB."
FILE_NOT_TEXT = "The file is not a CSV text file: line {line} contains binary data (a NUL byte)."
FILE_NOT_UTF8 = "The file is not UTF-8 text (line {line}, byte {position} cannot be decoded); save it as CSV UTF-8."
FILE_NO_HEADER = "The first line must be a header naming the columns (plate, reason, …)."
FILE_MISSING_COLUMNS = "Required columns are missing from the header: {columns}."
FILE_UNKNOWN_COLUMNS = "Unknown columns in the header: {columns}. Allowed: {allowed}."
FILE_DUPLICATE_COLUMNS = "Columns appear twice in the header: {columns}."
FILE_TOO_MANY_LINES = "The file has more than {limit} lines; split it."
LINE_FIELD_COUNT = "The line has {count} fields; the header has {expected}."
LINE_REASON_REQUIRED = "The reason is missing."
LINE_REASON_UNKNOWN = "Unknown reason “{value}”. Use one of: {choices}."
LINE_PRIORITY_INVALID = "Priority “{value}” must be 1 (critical) to 4 (low)."
LINE_STATE_INVALID = "State “{value}” must be a two-letter code such as CA."
LINE_EXPIRY_MISSING = "The expiry is missing, and this list has no default expiry."
LINE_EXPIRY_INVALID = "Expiry “{value}” is not an ISO date (2026-05-31) or date-time."
LINE_EXPIRY_PAST = "Expiry {value} is already past."
LINE_DUPLICATE = "Duplicate of line {line}: the same plate and state appear twice."
LINE_TOO_LONG = "The field {column} is longer than {limit} characters."
LINE_PATTERN_TOO_LONG = "The plate pattern “{value}” is longer than 16 characters."
# R-HOT-6 (SB 54, policy 004 §V): hot lists are never used for civil immigration enforcement.
IMMIGRATION_REFUSED = (
    "Refused under SB 54 (R-HOT-6): hot lists are never used for civil immigration enforcement, and this entry "
    "shows {terms}."
)
FILE_IMMIGRATION_LINES = (
    "The whole file is refused under SB 54 (R-HOT-6): {which} for civil immigration enforcement ({terms}). "
    "Nothing was imported; an extract such as the NCIC Immigration Violator File is never loaded."
)
FILE_IMMIGRATION_SOURCE = (
    "The whole file is refused under SB 54 (R-HOT-6): {where} shows {terms}. Hot lists are never used for civil "
    "immigration enforcement (e.g. the NCIC Immigration Violator File); nothing was imported."
)
# Free-text fields of an entry screened for civil-immigration indications, with the reason as written.
SCREENED_FIELDS = ("reason", "why", "vehicle", "case_number", "entered_by")

REASON_ALIASES = {
    "stolen": EntryReason.STOLEN_VEHICLE, "stolen vehicle": EntryReason.STOLEN_VEHICLE,
    "sv": EntryReason.STOLEN_VEHICLE, "stolen plate": EntryReason.STOLEN_PLATE, "sp": EntryReason.STOLEN_PLATE,
    "wanted": EntryReason.WANTED_PERSON, "amber": EntryReason.MISSING_PERSON, "missing": EntryReason.MISSING_PERSON,
    "felony": EntryReason.FELONY_VEHICLE, "bolo": EntryReason.BOLO,
}
FIELD_LIMITS = {"case_number": 64, "vehicle": 200, "entered_by": 120, "why": 2000}


@dataclass
class ParsedFile:
    sha256: str
    line_count: int = 0
    rows: list[dict[str, Any]] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)
    file_errors: list[str] = field(default_factory=list)


def reason_parse(value: str) -> str:
    text = (value or "").strip()
    if not text:
        raise ApplicationError(LINE_REASON_REQUIRED, code="reason_required")
    lowered = text.lower()
    for choice in EntryReason:
        if lowered in (choice.value, choice.label.lower()):
            return choice.value
    if lowered in REASON_ALIASES:
        return REASON_ALIASES[lowered].value
    raise ApplicationError(LINE_REASON_UNKNOWN.format(value=text[:40], choices=", ".join(EntryReason.values)),
                           code="reason_unknown")


def expiry_parse(value: str, *, default_days: int | None, now: datetime) -> datetime:
    """An ISO date means the end of that day (portal time zone); a naive date-time is portal time."""
    text = (value or "").strip()
    if not text:
        if default_days is None:
            raise ApplicationError(LINE_EXPIRY_MISSING, code="expiry_missing")
        return now + timedelta(days=default_days)
    moment = None
    try:
        moment = parse_datetime(text)
        if moment is None:
            day = parse_date(text)
            if day is not None:
                moment = datetime.combine(day, time(23, 59, 59))
    except ValueError:
        moment = None
    if moment is None:
        raise ApplicationError(LINE_EXPIRY_INVALID.format(value=text[:40]), code="expiry_invalid")
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    if moment <= now:
        raise ApplicationError(LINE_EXPIRY_PAST.format(value=text[:40]), code="expiry_past")
    return moment


def entry_immigration_terms(raw: dict[str, str]) -> list[str]:
    """R-HOT-6: the civil-immigration indications in an entry's reason and free text (the SB 54 word list of
    apps.disclosures.immigration_screen, one list for the whole portal)."""
    return immigration_screen(*(raw.get(name) or "" for name in SCREENED_FIELDS))


def entry_fields_parse(raw: dict[str, str], *, default_days: int | None, now: datetime) -> dict[str, Any]:
    """Validate one entry (from a CSV line or a form); raise ApplicationError with the first problem.

    Refused first, before its reason is even parsed: an entry for civil immigration enforcement (R-HOT-6, code
    ``immigration_refused``). An entry whose reason is "other" needs a written justification (R-PURP-2; the
    attestation is the service's, given by the person who adds or applies)."""
    terms = entry_immigration_terms(raw)
    if terms:
        raise ApplicationError(IMMIGRATION_REFUSED.format(terms=", ".join(terms)), code="immigration_refused",
                               extra={"terms": terms})
    pattern = plate_pattern_parse(raw.get("plate", ""))
    if len(pattern.text) > 16:
        raise ApplicationError(LINE_PATTERN_TOO_LONG.format(value=pattern.text), code="pattern_too_long")
    state = (raw.get("state") or "").strip().upper()
    if state and not (len(state) == 2 and state.isascii() and state.isalpha()):
        raise ApplicationError(LINE_STATE_INVALID.format(value=state[:10]), code="state_invalid")
    priority_text = (raw.get("priority") or "").strip()
    if priority_text:
        if not priority_text.isdigit() or int(priority_text) not in Priority.values:
            raise ApplicationError(LINE_PRIORITY_INVALID.format(value=priority_text[:10]), code="priority_invalid")
        priority = int(priority_text)
    else:
        priority = Priority.NORMAL.value
    for column, limit in FIELD_LIMITS.items():
        if len((raw.get(column) or "").strip()) > limit:
            raise ApplicationError(LINE_TOO_LONG.format(column=column, limit=limit), code="field_too_long")
    reason = reason_parse(raw.get("reason", ""))
    justification = (raw.get("why") or "").strip()
    if reason == EntryReason.OTHER:
        justification_check(justification=justification, attested=True, subject=ENTRY_SUBJECT)
    return {
        "plate_pattern": pattern.text,
        "is_partial": not pattern.is_exact,
        "state": state,
        "reason": reason,
        "priority": priority,
        "case_number": (raw.get("case_number") or "").strip(),
        "expires_at": expiry_parse(raw.get("expires", ""), default_days=default_days, now=now).isoformat(),
        "justification": justification,
        "vehicle_description": (raw.get("vehicle") or "").strip(),
        "source_entered_by": (raw.get("entered_by") or "").strip(),
    }


def _decode(content: bytes, parsed: ParsedFile) -> str | None:
    if not content or not content.strip():
        parsed.file_errors.append(FILE_EMPTY)
        return None
    if len(content) > MAX_FILE_BYTES:
        parsed.file_errors.append(FILE_TOO_LARGE.format(limit=MAX_FILE_BYTES // (1024 * 1024)))
        return None
    # The whole file, not its start: a NUL further down reached PostgreSQL, which stores none (a 500). One C-level
    # search, fast on the largest file accepted.
    nul = content.find(b"\x00")
    if nul != -1:
        parsed.file_errors.append(FILE_NOT_TEXT.format(line=content.count(b"\n", 0, nul) + 1))
        return None
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        parsed.file_errors.append(FILE_NOT_UTF8.format(line=content[:exc.start].count(b"\n") + 1,
                                                        position=exc.start))
        return None


def csv_parse(content: bytes, *, default_days: int | None, now: datetime | None = None) -> ParsedFile:
    """Parse a whole file. File-level problems go to ``file_errors`` (and no rows are returned); line problems go
    to ``errors`` with the 1-based physical line number, and the other lines are still parsed."""
    now = now or timezone.now()
    parsed = ParsedFile(sha256=hashlib.sha256(content or b"").hexdigest())
    text = _decode(content, parsed)
    if text is None:
        return parsed
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except (StopIteration, csv.Error):
        parsed.file_errors.append(FILE_NO_HEADER)
        return parsed
    columns = [name.strip().lower() for name in header]
    allowed = set(REQUIRED_COLUMNS) | set(OPTIONAL_COLUMNS)
    duplicates = sorted({name for name in columns if columns.count(name) > 1})
    unknown = [name for name in columns if name not in allowed]
    missing = [name for name in REQUIRED_COLUMNS if name not in columns]
    if duplicates:
        parsed.file_errors.append(FILE_DUPLICATE_COLUMNS.format(columns=", ".join(duplicates)))
    if unknown:
        parsed.file_errors.append(FILE_UNKNOWN_COLUMNS.format(
            columns=", ".join(name[:30] or "(empty)" for name in unknown[:10]),
            allowed=", ".join((*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS))))
    if missing:
        parsed.file_errors.append(FILE_MISSING_COLUMNS.format(columns=", ".join(missing)))
    if parsed.file_errors:
        return parsed
    seen: dict[tuple[str, str], int] = {}
    while True:
        try:
            values = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            parsed.errors.append({"line": reader.line_num, "message": f"The line is not valid CSV: {exc}."})
            continue
        line = reader.line_num
        if not values or all(not value.strip() for value in values):
            continue
        parsed.line_count += 1
        if parsed.line_count > MAX_LINES:
            parsed.file_errors.append(FILE_TOO_MANY_LINES.format(limit=MAX_LINES))
            parsed.rows, parsed.errors = [], []
            return parsed
        if len(values) != len(columns):
            parsed.errors.append({"line": line, "message": LINE_FIELD_COUNT.format(count=len(values),
                                                                                   expected=len(columns))})
            continue
        raw = dict(zip(columns, values, strict=True))
        try:
            row = entry_fields_parse(raw, default_days=default_days, now=now)
        except ApplicationError as exc:
            parsed.errors.append({"line": line, "message": exc.message, "plate": (raw.get("plate") or "")[:20],
                                  "code": exc.code, **({"terms": exc.extra["terms"]} if "terms" in exc.extra else {})})
            continue
        key = (row["plate_pattern"], row["state"])
        if key in seen:
            parsed.errors.append({"line": line, "message": LINE_DUPLICATE.format(line=seen[key]),
                                  "plate": row["plate_pattern"]})
            continue
        seen[key] = line
        row["line"] = line
        parsed.rows.append(row)
    immigration = [error for error in parsed.errors if error.get("code") == "immigration_refused"]
    if immigration:
        # R-HOT-6: a file that carries immigration entries is refused whole, never applied with those lines skipped.
        terms = list(dict.fromkeys(term for error in immigration for term in error.get("terms", [])))
        lines = ", ".join(str(error["line"]) for error in immigration[:20]) + (" …" if len(immigration) > 20 else "")
        which = f"lines {lines} are" if len(immigration) > 1 else f"line {lines} is"
        parsed.file_errors.append(FILE_IMMIGRATION_LINES.format(which=which, terms=", ".join(terms)))
        parsed.rows = []
    return parsed


def _comparable(value: Any, name: str) -> Any:
    if name == "expires_at":
        moment = datetime.fromisoformat(value) if isinstance(value, str) else value
        return int(moment.timestamp())
    return value


@dataclass
class Diff:
    added: list[dict[str, Any]] = field(default_factory=list)
    changed: list[tuple[int, dict[str, Any], dict[str, tuple[Any, Any]]]] = field(default_factory=list)
    removed: list[dict[str, Any]] = field(default_factory=list)
    unchanged: int = 0

    def summary(self) -> dict[str, Any]:
        return {
            "added": len(self.added), "changed": len(self.changed), "removed": len(self.removed),
            "unchanged": self.unchanged,
            "samples": {
                "added": [{k: row[k] for k in ("line", "plate_pattern", "state", "reason", "priority", "expires_at")}
                          for row in self.added[:SAMPLE_SIZE]],
                "changed": [{"line": row["line"], "plate_pattern": row["plate_pattern"], "state": row["state"],
                             "fields": {name: [str(old), str(new)] for name, (old, new) in fields.items()}}
                            for _id, row, fields in self.changed[:SAMPLE_SIZE]],
                "removed": [{k: entry[k] for k in ("plate_pattern", "state", "reason", "case_number")}
                            for entry in self.removed[:SAMPLE_SIZE]],
            },
        }


def diff_compute(rows: list[dict[str, Any]], current: list[dict[str, Any]]) -> Diff:
    """Rows of a file against the entries in force (dicts with ``id`` and the compared fields)."""
    by_key = {(entry["plate_pattern"], entry["state"]): entry for entry in current}
    diff = Diff()
    for row in rows:
        entry = by_key.pop((row["plate_pattern"], row["state"]), None)
        if entry is None:
            diff.added.append(row)
            continue
        fields = {name: (entry[name], row[name]) for name in COMPARED_FIELDS
                  if _comparable(entry[name], name) != _comparable(row[name], name)}
        if fields:
            diff.changed.append((entry["id"], row, fields))
        else:
            diff.unchanged += 1
    diff.removed = sorted(by_key.values(), key=lambda entry: entry["plate_pattern"])
    return diff
