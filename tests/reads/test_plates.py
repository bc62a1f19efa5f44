"""Normalization never invents characters (R-READ-1); pattern syntax of partial plates (R-READ-4)."""

import pytest

from apps.common.errors import ApplicationError
from apps.reads.plates import PATTERN_TOO_VAGUE, plate_normalize, plate_pattern_parse


@pytest.mark.parametrize(("raw", "expected"), [
    ("7abc123", "7ABC123"), ("7ABC 123", "7ABC123"), ("7-ABC-123", "7ABC123"), (" 7O0I1 ", "7O0I1"),
])
def test_normalize_uppercases_and_drops_separators_only(raw, expected):
    assert plate_normalize(raw) == expected


@pytest.mark.parametrize("raw", ["7AB$123", "ÄBC123", "7AB_12", "7AB?123", ""])
def test_normalize_refuses_other_characters(raw):
    with pytest.raises(ApplicationError) as exc:
        plate_normalize(raw)
    assert exc.value.code in {"plate_illegal_characters", "plate_required"}


def test_pattern_like_translation_and_escaping():
    pattern = plate_pattern_parse("7ab?12**")
    assert pattern.text == "7AB?12*" and not pattern.is_exact
    assert pattern.like() == "7AB_12%"
    assert plate_pattern_parse("7ABC123").is_exact


def test_pattern_needs_three_known_characters():
    with pytest.raises(ApplicationError) as exc:
        plate_pattern_parse("7*")
    assert exc.value.message == PATTERN_TOO_VAGUE.format(pattern="7*", minimum=3)


def test_pattern_refuses_sql_wildcards():
    with pytest.raises(ApplicationError) as exc:
        plate_pattern_parse("7AB%")
    assert exc.value.code == "pattern_illegal_characters"
