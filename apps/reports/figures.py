"""The shape of a report section's figures: plain JSON, typed so that redaction can be generic and safe.

A section is ``{"key", "title", "status", "intro", "summary": [item…], "tables": [table…], "notes": [str…]}``.
A summary item is ``{"key", "label", "type", "value"}``; a table has typed ``columns`` and ``rows`` (lists of cells)
and optionally a ``total`` row and a ``chart`` ("bar" or "hbar", drawn from the first two columns).

Cell and item types:
  ``label``/``text``/``date``  plain, non-personal text (a month, a purpose, a camera, an agency)
  ``count``                    an integer (suppressed in the public summary when small, unless ``institutional``:
                               a count of agreements, agencies, cameras or runs reveals nothing about a person)
  ``rate``                     ``{"rate": 0.0–1.0, "n": denominator}`` (suppressed when the denominator is small)
  ``status``                   ``{"ok": bool, "text": str}``
  ``person``                   ``{"id": user id, "name": str}`` — pseudonymized for the Commission, dropped in public
  ``case_number``, ``plate``, ``free_text``  — removed from the Commission's and the public rendition
"""

from __future__ import annotations

from typing import Any

RECORDED = "recorded"
NOT_RECORDED = "not_recorded"

IDENTIFYING_TYPES = frozenset({"person", "pseudonym", "case_number", "plate", "free_text"})
REMOVED_FOR_COMMISSION = frozenset({"case_number", "plate", "free_text"})
COUNTABLE_TYPES = frozenset({"count", "rate"})


def column(label: str, type_: str = "label", *, institutional: bool = False) -> dict[str, Any]:
    col: dict[str, Any] = {"label": label, "type": type_}
    if institutional:
        col["institutional"] = True
    return col


def count_item(key: str, label: str, value: int, *, expect_zero: bool = False, note: str = "",
               institutional: bool = False) -> dict[str, Any]:
    item = {"key": key, "label": label, "type": "count", "value": int(value or 0)}
    if institutional:
        item["institutional"] = True
    if expect_zero:
        item["expect_zero"] = True
    if note:
        item["note"] = note
    return item


def rate_value(numerator: int, denominator: int) -> dict[str, Any] | None:
    return {"rate": numerator / denominator, "n": int(denominator)} if denominator else None


def rate_item(key: str, label: str, numerator: int, denominator: int) -> dict[str, Any]:
    return {"key": key, "label": label, "type": "rate", "value": rate_value(numerator, denominator)}


def text_item(key: str, label: str, value: str) -> dict[str, Any]:
    return {"key": key, "label": label, "type": "text", "value": value}


def status_item(key: str, label: str, ok: bool, text: str) -> dict[str, Any]:
    return {"key": key, "label": label, "type": "status", "value": {"ok": bool(ok), "text": text}}


def person_value(user_id: int | None, name: str) -> dict[str, Any] | None:
    return {"id": user_id, "name": name} if user_id is not None else None


def table(key: str, title: str, columns: list[dict], rows: list[list], *, total: list | None = None,
          chart: str | None = None, empty: str = "None in this period.") -> dict[str, Any]:
    return {"key": key, "title": title, "columns": columns, "rows": rows, "total": total, "chart": chart,
            "empty": empty}


def section(key: str, title: str, *, intro: str = "", summary: list | None = None, tables: list | None = None,
            notes: list | None = None, status: str = RECORDED) -> dict[str, Any]:
    return {"key": key, "title": title, "status": status, "intro": intro, "summary": summary or [],
            "tables": tables or [], "notes": notes or []}


def summary_value(section_figures: dict, key: str):
    """The value of one summary item (None when absent)."""
    for item in section_figures.get("summary", []):
        if item.get("key") == key:
            return item
    return None
