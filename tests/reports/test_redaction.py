"""Redaction per rendition (R-REP-1): pseudonyms for the Commission, aggregates and suppression for the public, and
a fail-closed check."""

import pytest

from apps.reports.choices import Audience
from apps.reports.figures import column, count_item, person_value, section, table
from apps.reports.pseudonyms import pseudonym_for
from apps.reports.redaction import (
    SUPPRESSED,
    RedactionContext,
    redact_for_commission,
    redact_for_public,
    rendition_check,
)

CTX = RedactionContext(threshold=5)


def _figures():
    return section(
        "demo", "Demo",
        summary=[count_item("total", "Total", 26), count_item("small", "Small", 3), count_item("zero", "Zero", 0,
                                                                                            expect_zero=True)],
        tables=[
            table("by_purpose", "By purpose", [column("Purpose"), column("Queries", "count")],
                  [["Crime analysis", 20], ["Wanted persons", 4], ["Missing persons", 2], ["Leads", 0]],
                  total=["Total", 26], chart="hbar"),
            table("findings", "Findings",
                  [column("User", "person"), column("Case", "case_number"), column("Plate", "plate"),
                   column("Notes", "free_text"), column("Finding")],
                  [[person_value(7, "Ivy Nguyen"), "CASE-26-0001", "8XYZ001", "Asked Ivy Nguyen", "Not necessary"]]),
        ],
    )


def test_pseudonyms_are_stable_distinct_and_keyed(settings):
    assert pseudonym_for(7) == pseudonym_for(7)
    assert pseudonym_for(7) != pseudonym_for(8)
    assert pseudonym_for(7).startswith("User ") and len(pseudonym_for(7)) == len("User 7F3A9C")
    before = pseudonym_for(7)
    settings.PORTAL = {**settings.PORTAL, "REPORT_PSEUDONYM_KEY": "another key"}
    assert pseudonym_for(7) != before


def test_the_commission_gets_pseudonyms_and_no_cases_plates_or_notes():
    redacted = redact_for_commission(_figures(), CTX)
    findings = redacted["tables"][1]
    assert [c["label"] for c in findings["columns"]] == ["User", "Finding"]
    assert findings["rows"] == [[{"pseudonym": pseudonym_for(7)}, "Not necessary"]]
    assert redacted["tables"][0]["rows"][1] == ["Wanted persons", 4]  # counts unchanged


def test_the_public_gets_aggregates_with_small_counts_suppressed():
    redacted = redact_for_public(_figures(), CTX)
    assert [t["key"] for t in redacted["tables"]] == ["by_purpose"]
    rows = redacted["tables"][0]["rows"]
    assert rows == [["Crime analysis", 20], ["Wanted persons", SUPPRESSED], ["Missing persons", SUPPRESSED],
                    ["Leads", 0]]
    values = {item["key"]: item["value"] for item in redacted["summary"]}
    assert values == {"total": 26, "small": SUPPRESSED, "zero": 0}


def test_a_single_suppressed_cell_is_not_recoverable_from_the_total():
    figures = section("x", "X", tables=[table("t", "T", [column("A"), column("N", "count")],
                                              [["a", 40], ["b", 12], ["c", 3]], total=["Total", 55])])
    rows = redact_for_public(figures, CTX)["tables"][0]["rows"]
    assert rows == [["a", 40], ["b", SUPPRESSED], ["c", SUPPRESSED]]


def test_a_leak_refuses_the_rendition():
    unredacted = {"meta": {}, "sections": [_figures()]}
    leaky = {"meta": {}, "sections": [redact_for_public(_figures(), CTX)]}
    leaky["sections"][0]["notes"] = ["Follow up with Ivy Nguyen"]
    with pytest.raises(ValueError, match="identifying"):
        rendition_check(unredacted=unredacted, redacted=leaky, audience=Audience.PUBLIC)
    clean = {"meta": {}, "sections": [redact_for_commission(_figures(), CTX)]}
    rendition_check(unredacted=unredacted, redacted=clean, audience=Audience.OVERSIGHT_COMMISSION)


def test_institutional_counts_are_not_suppressed():
    figures = section("x", "X", summary=[count_item("agencies", "Agencies", 2, institutional=True),
                                         count_item("people", "People", 2)])
    values = {item["key"]: item["value"] for item in redact_for_public(figures, CTX)["summary"]}
    assert values == {"agencies": 2, "people": SUPPRESSED}
