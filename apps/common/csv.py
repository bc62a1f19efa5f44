"""The one CSV writer of the portal (R-SHR-8: every CSV the portal writes neutralizes spreadsheet formulas).

Every CSV the portal hands out — the reads export (page and API), release packages, evidence packages — goes
through ``csv_writer``. A spreadsheet opens a cell that starts with ``=``, ``+``, ``-``, ``@``, a tab, a carriage
return or a line feed as a formula (or as a DDE call), also after leading spaces, and also with the full-width forms
of those characters; such a cell is written with a leading apostrophe, so the spreadsheet shows it as text
(OWASP "CSV Injection"). Real numbers (``-117.92``, ``-5``, ``1e3``) stay numbers. Anything else is written as is.

``tests/common/test_csv.py`` searches ``apps/`` for another ``csv.writer``/``csv.DictWriter`` and fails naming the
file, so a new export cannot skip this module.
"""

from __future__ import annotations

import csv as _csv
import re
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

# = + - @ tab CR LF, and the full-width = + - @ that some spreadsheets also read as formula starts.
FORMULA_STARTS = frozenset("=+-@\t\r\n\uff1d\uff0b\uff0d\uff20")
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


def csv_cell(value: Any) -> Any:
    """The value as it may be written to a CSV cell: a text that a spreadsheet would run as a formula gets a leading
    apostrophe; numbers (and texts that are plain numbers) and ``None`` (an empty cell) are left alone."""
    if value is None or isinstance(value, bool | int | float | Decimal):
        return value
    text = str(value)
    first_after_spaces = text.lstrip(" \u00a0\u3000")[:1]
    if (text[:1] in FORMULA_STARTS or first_after_spaces in FORMULA_STARTS) and not _NUMBER.match(text.strip()):
        return "'" + text
    return text


def csv_row(values: Iterable[Any]) -> list[Any]:
    return [csv_cell(value) for value in values]


class SafeCsvWriter:
    """``csv.writer`` whose every cell passes through ``csv_cell``. ``writerow`` returns what the underlying file's
    ``write`` returns (a streaming response uses that)."""

    def __init__(self, target, **options):
        self._writer = _csv.writer(target, **options)

    def writerow(self, values: Iterable[Any]):
        return self._writer.writerow(csv_row(values))

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def csv_writer(target, **options) -> SafeCsvWriter:
    """The portal's CSV writer (R-SHR-8): like ``csv.writer(target, **options)``, formulas neutralized."""
    return SafeCsvWriter(target, **options)
