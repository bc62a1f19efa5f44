"""R-SHR-8: every CSV the portal writes neutralizes spreadsheet formulas, through one writer (apps.common.csv).

The discovery test searches the source of ``apps/`` for any other CSV writer and fails naming the file, so a new
export cannot skip the one writer."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest

from apps.common.csv import csv_cell, csv_writer

APPS = Path(__file__).resolve().parents[2] / "apps"
THE_WRITER = APPS / "common" / "csv.py"
# Any way of reaching the standard library's writers (or pandas' to_csv) outside the one module.
OTHER_WRITERS = re.compile(
    r"csv\s*\.\s*(writer|DictWriter)\b|from\s+csv\s+import\s+[^\n]*\b(writer|DictWriter)\b|import\s+csv\s+as\s+\w+"
    r"|\.to_csv\s*\(")

DANGEROUS = ['=HYPERLINK("http://x"&A1,"Click")', "=1+2", "+1+2", "-1+cmd|' /C calc'!A0", "@SUM(A1:A2)",
             "\t=1+2", "\r=1+2", "\n=1", "  =1+2", " @x", "\u00a0=1", "\uff1d1+1", "\uff0bcmd", "-", "+", "@",
             "=", "-2+3", "--1"]
HARMLESS = ["7ABC123", "Harbor Blvd NB", "", "a=b", "x+1", "user@example.org", "Main St - NB", "-117.92", "+1",
            "-5", "1e3", "3.5"]


@pytest.mark.parametrize("value", DANGEROUS)
def test_a_formula_is_written_as_text(value):
    assert csv_cell(value) == "'" + value


@pytest.mark.parametrize("value", HARMLESS)
def test_ordinary_text_and_numbers_are_unchanged(value):
    assert csv_cell(value) == value


def test_numbers_and_empty_cells_keep_their_type():
    assert [csv_cell(v) for v in (None, -117.92, -5, True)] == [None, -117.92, -5, True]


def test_the_writer_round_trips_through_a_csv_reader():
    buffer = io.StringIO()
    writer = csv_writer(buffer)
    writer.writerow(["camera", "longitude"])
    writer.writerows([['=HYPERLINK("http://x"&A1,"Click")', -117.92], ["Harbor, NB", None]])
    rows = list(csv.reader(io.StringIO(buffer.getvalue())))
    assert rows == [["camera", "longitude"], ['\'=HYPERLINK("http://x"&A1,"Click")', "-117.92"], ["Harbor, NB", ""]]


def test_no_csv_writer_outside_the_one_module():
    """A new export that writes CSV with the standard library (or pandas) fails here, naming the file and line."""
    offenders = []
    for path in sorted(APPS.rglob("*.py")):
        if path == THE_WRITER or "migrations" in path.parts:
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if OTHER_WRITERS.search(line):
                offenders.append(f"{path.relative_to(APPS.parent)}:{number}: {line.strip()}")
    assert not offenders, ("Write CSV with apps.common.csv.csv_writer (it neutralizes formulas, R-SHR-8), not:\n"
                           + "\n".join(offenders))


def test_the_discovery_would_notice_a_new_writer():
    for line in ("writer = csv.writer(buffer)", "w = csv.DictWriter(f, fields)", "from csv import writer",
                 "import csv as c", "frame.to_csv(path)"):
        assert OTHER_WRITERS.search(line), line
    for line in ("rows = csv.reader(f)", "csv.DictReader(f)", "from apps.common.csv import csv_writer"):
        assert not OTHER_WRITERS.search(line), line
