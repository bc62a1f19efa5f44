"""Plate text: normalization (R-READ-1) and partial-plate patterns (R-READ-4).

Normalization only uppercases and removes separators (spaces, dashes, dots). It never substitutes characters:
O and 0, I and 1, B and 8 stay as read, because guessing would invent reads that never happened. A plate with any
other character is refused, so the stored plates are exactly ``[A-Z0-9]+``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from apps.common.errors import ApplicationError
from apps.reads.models import PLATE_MAX_LENGTH

_SEPARATORS = re.compile(r"[\s\-.·]+")
_PLATE = re.compile(r"^[A-Z0-9]+$")
_PATTERN = re.compile(r"^[A-Z0-9?*]+$")

PLATE_REQUIRED = "The plate is missing."
PLATE_ILLEGAL_CHARACTERS = "The plate “{plate}” has characters other than letters A–Z and digits: {characters}."
PLATE_TOO_LONG = "The plate “{plate}” is longer than {max} characters."
PATTERN_ILLEGAL_CHARACTERS = (
    "The plate pattern “{pattern}” may contain only letters, digits, ? (exactly one unknown character) and * (any "
    "number of unknown characters)."
)
PATTERN_TOO_VAGUE = (
    "The plate pattern “{pattern}” has fewer than {minimum} known characters; add what the witness remembers."
)
PATTERN_TOO_LONG = "The plate pattern “{pattern}” cannot match a plate of at most {max} characters."
PATTERN_MIN_KNOWN_CHARACTERS = 3


def plate_normalize(text: str) -> str:
    """Uppercase and drop separators; raise ApplicationError (code ``plate_*``) if anything else is wrong."""
    if not isinstance(text, str) or not text.strip():
        raise ApplicationError(PLATE_REQUIRED, code="plate_required")
    plate = _SEPARATORS.sub("", text).upper()
    if not _PLATE.fullmatch(plate) or not plate.isascii():
        bad = "".join(sorted({c for c in plate if not ("A" <= c <= "Z" or "0" <= c <= "9")}))
        raise ApplicationError(PLATE_ILLEGAL_CHARACTERS.format(plate=text[:40], characters=bad[:20]),
                               code="plate_illegal_characters")
    if len(plate) > PLATE_MAX_LENGTH:
        raise ApplicationError(PLATE_TOO_LONG.format(plate=text[:40], max=PLATE_MAX_LENGTH), code="plate_too_long")
    return plate


@dataclass(frozen=True)
class PlatePattern:
    """A search for a plate: exact (no wildcard) or partial (``?`` one unknown character, ``*`` any run, R-READ-4)."""

    text: str

    @property
    def is_exact(self) -> bool:
        return "?" not in self.text and "*" not in self.text

    @property
    def known_characters(self) -> int:
        return sum(1 for c in self.text if c not in "?*")

    def like(self) -> str:
        """The SQL LIKE pattern (ESCAPE '\\'): ``?`` → ``_``, ``*`` → ``%``. Plates hold only A–Z0–9, but any LIKE
        metacharacter is escaped anyway so a pattern can never mean more than it says."""
        out = []
        for char in self.text:
            if char == "?":
                out.append("_")
            elif char == "*":
                out.append("%")
            elif char in "%_\\":
                out.append("\\" + char)
            else:
                out.append(char)
        return re.sub("%+", "%", "".join(out))

    def regex(self) -> re.Pattern:
        """The same semantics as a Python regex (used by tests and in-memory matching)."""
        parts = ["." if c == "?" else ".*" if c == "*" else re.escape(c) for c in self.text]
        return re.compile("^" + "".join(parts) + "$")


def plate_pattern_parse(text: str) -> PlatePattern:
    """Parse what a person typed: separators dropped, uppercased; ``?`` and ``*`` are the only wildcards.

    A partial pattern needs at least three known characters (a bare ``7*`` would list a tenth of all reads).
    """
    raw = (text or "").strip()
    pattern = _SEPARATORS.sub("", raw).upper()
    if not pattern:
        raise ApplicationError(PLATE_REQUIRED, code="plate_required")
    if not _PATTERN.fullmatch(pattern) or not pattern.isascii():
        raise ApplicationError(PATTERN_ILLEGAL_CHARACTERS.format(pattern=raw[:40]), code="pattern_illegal_characters")
    pattern = re.sub(r"\*+", "*", pattern)
    result = PlatePattern(pattern)
    if result.is_exact:
        if len(pattern) > PLATE_MAX_LENGTH:
            raise ApplicationError(PLATE_TOO_LONG.format(plate=raw[:40], max=PLATE_MAX_LENGTH), code="plate_too_long")
        return result
    if len(pattern.replace("*", "")) > PLATE_MAX_LENGTH:
        raise ApplicationError(PATTERN_TOO_LONG.format(pattern=raw[:40], max=PLATE_MAX_LENGTH),
                               code="pattern_too_long")
    if result.known_characters < PATTERN_MIN_KNOWN_CHARACTERS:
        raise ApplicationError(
            PATTERN_TOO_VAGUE.format(pattern=raw[:40], minimum=PATTERN_MIN_KNOWN_CHARACTERS), code="pattern_too_vague"
        )
    return result
