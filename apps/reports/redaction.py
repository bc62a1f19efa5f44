"""Redaction per rendition (R-REP-1, policy 004 §X), generic over the typed figures of apps.reports.figures.

- Inspector General: unredacted.
- Civilian Oversight Commission: personal names become stable pseudonyms; case numbers, plates and free text
  (reviewer notes can name anyone) are removed.
- Public summary: aggregates only (every table naming a person, case, plate or free text is dropped) and counts
  below PORTAL["REPORT_SMALL_COUNT_THRESHOLD"] are suppressed — also a second cell when a single suppressed cell
  could be recovered from the table's total. Counts marked ``institutional`` (agreements, agencies, cameras, runs)
  are not about people and are shown as they are.

``rendition_check`` then refuses (fail closed) a redacted rendition that still carries a name, a case number or a
plate of the unredacted figures.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from apps.reports.choices import Audience
from apps.reports.figures import COUNTABLE_TYPES, IDENTIFYING_TYPES, REMOVED_FOR_COMMISSION
from apps.reports.pseudonyms import pseudonym_for

SUPPRESSED = {"suppressed": True}


@dataclass(frozen=True)
class RedactionClass:
    """One kind of redaction, what it does, and the law that makes it necessary (R-REP-1a: policy 004 §X lets the
    Commission's report be redacted "only as legally necessary", so each class states its legal basis in the PDF)."""

    key: str
    what: str
    treatment: str
    basis: str
    audiences: frozenset[str]


_REDACTED = frozenset({Audience.OVERSIGHT_COMMISSION, Audience.PUBLIC})

# The agency's counsel owns this text; the portal prints it in each redacted rendition so a reader can contest it.
REDACTION_CLASSES: tuple[RedactionClass, ...] = (
    RedactionClass(
        "personal_names", "Names of the people who queried, reviewed or were found in breach",
        "Replaced by a stable pseudonym (Commission); left out (public summary).",
        "Peace-officer personnel records are confidential (Cal. Penal Code § 832.7); disclosure would be an "
        "unwarranted invasion of personal privacy (Cal. Gov. Code § 7927.700).", _REDACTED),
    RedactionClass(
        "case_numbers", "Case and incident numbers",
        "Removed.",
        "Records of investigations of a law-enforcement agency are exempt from disclosure (Cal. Gov. Code "
        "§ 7923.600); naming an open case can endanger the investigation.", _REDACTED),
    RedactionClass(
        "plates", "License plates queried or read",
        "Removed.",
        "ALPR information may be shared only as permitted by law and must be protected from unauthorized "
        "disclosure (Cal. Civ. Code §§ 1798.90.51, 1798.90.55(b)); a plate identifies a vehicle and its owner.",
        _REDACTED),
    RedactionClass(
        "free_text", "Reviewers' free-text notes and follow-up outcomes",
        "Removed (they can name people, cases or plates).",
        "The same grounds as names, case numbers and plates (Cal. Penal Code § 832.7; Cal. Gov. Code §§ 7923.600, "
        "7927.700; Cal. Civ. Code § 1798.90.55(b)).", _REDACTED),
    RedactionClass(
        "small_counts", "Counts about people from 1 to the small-count threshold",
        "Shown as “< threshold”, with a second count hidden where a total would reveal the first.",
        "A small count can identify the person it is about (Cal. Gov. Code § 7927.700).",
        frozenset({Audience.PUBLIC})),
)


def redaction_classes_for(audience: str) -> list[RedactionClass]:
    """The redaction classes applied to ``audience``'s rendition (none to the unredacted one)."""
    return [cls for cls in REDACTION_CLASSES if audience in cls.audiences]
REDACTION_LEAK = "The {audience} rendition still contains identifying data ({what}); it was not rendered."


@dataclass(frozen=True)
class RedactionContext:
    threshold: int
    pseudonym: Callable[[int], str] = pseudonym_for


def _is_small(value: int, threshold: int) -> bool:
    return 0 < value < threshold


def _suppress_value(type_: str, value: Any, threshold: int) -> Any:
    if value is None or value == SUPPRESSED:
        return value
    if type_ == "count" and _is_small(int(value), threshold):
        return dict(SUPPRESSED)
    if type_ == "rate" and _is_small(int(value.get("n", 0)), threshold):
        return dict(SUPPRESSED)
    return value


def redact_unredacted(section: dict, ctx: RedactionContext) -> dict:
    return copy.deepcopy(section)


def redact_for_commission(section: dict, ctx: RedactionContext) -> dict:
    result = copy.deepcopy(section)
    for tbl in result["tables"]:
        keep = [i for i, col in enumerate(tbl["columns"]) if col["type"] not in REMOVED_FOR_COMMISSION]
        person_columns = {i for i in keep if tbl["columns"][i]["type"] == "person"}

        def convert(row, keep=keep, person_columns=person_columns):
            cells = []
            for i in keep:
                cell = row[i]
                if i in person_columns:
                    cell = {"pseudonym": ctx.pseudonym(cell["id"])} if cell else None
                cells.append(cell)
            return cells

        tbl["columns"] = [
            {**tbl["columns"][i], "type": "pseudonym"} if i in person_columns else tbl["columns"][i] for i in keep
        ]
        tbl["rows"] = [convert(row) for row in tbl["rows"]]
        if tbl.get("total"):
            tbl["total"] = [tbl["total"][i] for i in keep]
    result["summary"] = [item for item in result["summary"] if item["type"] not in IDENTIFYING_TYPES]
    return result


def _suppress_table(tbl: dict, threshold: int) -> None:
    for col_index, col in enumerate(tbl["columns"]):
        if col["type"] not in COUNTABLE_TYPES or col.get("institutional"):
            continue
        for row in tbl["rows"]:
            row[col_index] = _suppress_value(col["type"], row[col_index], threshold)
        if col["type"] != "count" or not tbl.get("total"):
            continue
        suppressed = [row for row in tbl["rows"] if row[col_index] == SUPPRESSED]
        if len(suppressed) == 1:
            # Total minus the shown cells would give the one suppressed cell back: hide the next smallest too.
            shown = [row for row in tbl["rows"] if isinstance(row[col_index], int) and row[col_index] > 0]
            if shown:
                min(shown, key=lambda row: row[col_index])[col_index] = dict(SUPPRESSED)
            else:
                tbl["total"][col_index] = dict(SUPPRESSED)
        tbl["total"][col_index] = _suppress_value("count", tbl["total"][col_index], threshold)


def redact_for_public(section: dict, ctx: RedactionContext) -> dict:
    result = copy.deepcopy(section)
    result["tables"] = [
        tbl for tbl in result["tables"] if not any(col["type"] in IDENTIFYING_TYPES for col in tbl["columns"])
    ]
    for tbl in result["tables"]:
        _suppress_table(tbl, ctx.threshold)
    summary = []
    for item in result["summary"]:
        if item["type"] in IDENTIFYING_TYPES:
            continue
        if not item.get("institutional"):
            item["value"] = _suppress_value(item["type"], item["value"], ctx.threshold)
        summary.append(item)
    result["summary"] = summary
    return result


DEFAULT_REDACTIONS: dict[str, Callable[[dict, RedactionContext], dict]] = {
    Audience.INSPECTOR_GENERAL: redact_unredacted,
    Audience.OVERSIGHT_COMMISSION: redact_for_commission,
    Audience.PUBLIC: redact_for_public,
}


def identifying_strings(figures: dict) -> set[str]:
    """Every name, case number and plate in the unredacted figures (what a redacted rendition must not contain)."""
    found: set[str] = set()
    for sec in figures.get("sections", []):
        for tbl in sec.get("tables", []):
            for i, col in enumerate(tbl["columns"]):
                if col["type"] not in {"person", "case_number", "plate"}:
                    continue
                for row in tbl["rows"]:
                    cell = row[i]
                    if isinstance(cell, dict) and cell.get("name"):
                        found.add(cell["name"])
                    elif isinstance(cell, str) and cell.strip():
                        found.add(cell.strip())
    # Digits-only values could match a count by accident; they are removed by column type all the same.
    return {value for value in found if len(value) >= 4 and not value.isdigit()}


def rendition_check(*, unredacted: dict, redacted: dict, audience: str) -> None:
    """Fail closed: a redacted rendition must carry no column of a removed type and none of the names, case numbers
    or plates of the unredacted figures (compared case-insensitively against its whole JSON)."""
    if audience == Audience.INSPECTOR_GENERAL:
        return
    banned = IDENTIFYING_TYPES if audience == Audience.PUBLIC else REMOVED_FOR_COMMISSION | {"person"}
    for sec in redacted.get("sections", []):
        for tbl in sec.get("tables", []):
            for col in tbl["columns"]:
                if col["type"] in banned:
                    raise ValueError(REDACTION_LEAK.format(audience=audience, what=f"a {col['type']} column"))
    text = json.dumps(redacted, ensure_ascii=False).casefold()
    for value in identifying_strings(unredacted):
        if value.casefold() in text:
            raise ValueError(REDACTION_LEAK.format(audience=audience, what="a name, case number or plate"))
