"""The one JSON parser of the API (the REST_FRAMEWORK default, and the JSON parser of every view that lists its own).

Python's JSON decoder recurses once per nesting level, so a body a few thousand brackets deep ended in a
RecursionError, i.e. HTTP 500, on every endpoint that reads JSON (issue #14). This parser refuses a body deeper than
``JSON_MAX_DEPTH`` with 400 ``json_too_deep``: a body the decoder refuses (a RecursionError included) is scanned with a
linear scan that does not recurse, so that a deep body is told it is too deep whatever else is wrong with it; a body
that decoded has its decoded value walked (iteratively), which costs far less than scanning every byte of an 11 MB
batch of plate crops (issue #19). No portal payload comes close: an OpenALPR ``alpr_group`` is about six levels
deep, a bulk ingest body three plus the read's metadata.

It also refuses bytes that are not UTF-8 with a clear 400, and text PostgreSQL cannot store — a NUL or an unpaired
UTF-16 surrogate (``"\\ud83d"``, legal as a JSON escape), anywhere in the body — with a 400 naming the field
(``nul_character`` / ``surrogate_character``, ``apps.common.unstorable``): such text reached the database and was a
500 on endpoints whose serializers do not check it (a JSON or dict field, a key). Camera ingest opts out
(``refuses_unstorable_text``): it refuses the one read, and keeps the others of its batch. (A body over its limit
never gets here: ``apps.common.api.negotiation`` refuses it with 413 before it is read.)
"""

from __future__ import annotations

import codecs
import json
import math
import re

from django.conf import settings
from rest_framework import exceptions
from rest_framework.parsers import JSONParser, MultiPartParser

from apps.common.unstorable import unstorable_text_find

JSON_MAX_DEPTH = 64
JSON_TOO_DEEP = (
    "The JSON body is nested more than {limit} levels deep (arrays and objects inside each other); the portal accepts "
    "at most {limit}."
)
JSON_NOT_UTF8 = "The JSON body is not valid {encoding}: {reason}."
JSON_INVALID = "The body is not valid JSON: {reason}."
JSON_UNSTORABLE_TEXT = "The JSON body is refused: {problem}"

# Every byte but the ones that shape JSON: brackets, quotes and backslashes (UTF-8 never uses these byte values
# inside a multi-byte character, so the scan works on the raw body).
_NOT_STRUCTURE = bytes(b for b in range(256) if b not in b'[]{}"\\')
_NOT_BRACKET = bytes(b for b in range(256) if b not in b"[]{}")
# A JSON string with its escapes, for bodies that have backslashes. The closing quote is optional so that an
# unterminated string ends the match at the end of the body instead of failing and being retried from every later
# quote (which would be quadratic).
_STRING = re.compile(rb'"[^"\\]*(?:\\[\s\S]?[^"\\]*)*"?')
_DEPTH_STEP = [0] * 256
_DEPTH_STEP[ord("[")] = _DEPTH_STEP[ord("{")] = 1
_DEPTH_STEP[ord("]")] = _DEPTH_STEP[ord("}")] = -1


def json_depth_exceeds(body: bytes | str, limit: int = JSON_MAX_DEPTH) -> bool:
    """True if brackets outside strings nest deeper than ``limit``. Linear, no recursion, stops at the first level
    past the limit; brackets inside strings (also after escaped quotes) do not count.

    Fast path (most bodies, all camera batches): without a backslash every quote opens or closes a string, so the
    brackets between every other quote are the structure — two C-level passes over the body. With a backslash, the
    strings are cut out by a regular expression first."""
    raw = body.encode() if isinstance(body, str) else body
    if raw.count(b"[") + raw.count(b"{") <= limit:
        return False
    structure = raw.translate(None, _NOT_STRUCTURE)
    if b"\\" in structure:
        brackets = _STRING.sub(b"", raw).translate(None, _NOT_BRACKET)
    else:
        brackets = b"".join(structure.split(b'"')[::2])
    depth = 0
    for byte in brackets:
        depth += _DEPTH_STEP[byte]
        if depth > limit:
            return True
    return False


def value_depth_exceeds(value, limit: int = JSON_MAX_DEPTH) -> bool:
    """True if decoded JSON (dicts and lists) nests deeper than ``limit``: for a body that decoded, the same answer
    as ``json_depth_exceeds`` on its text, without a scan of every byte (a camera batch with a plate crop per read is
    11 MB, scanned in ~20 ms; its 1,000 decoded reads are walked in well under 1 ms). Iterative, no recursion."""
    if not isinstance(value, dict | list):
        return False
    stack = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > limit:
            return True
        for child in node.values() if isinstance(node, dict) else node:
            if isinstance(child, dict | list):
                stack.append((child, depth + 1))
    return False


class TextCheckedJSONObject(dict):
    """A JSON object parsed from a body that holds no ``\\u`` escape (in an ASCII-compatible encoding), so no NUL
    and no unpaired surrogate anywhere in it: a service that refuses such text item by item can skip the walk
    (``apps.reads.services.ingest``: 5 ms of a 1,000-read batch)."""


class PortalJSONParser(JSONParser):
    """DRF's JSONParser with a depth limit, the refusal of unstorable text and precise messages; everything else as
    DRF's (strict: NaN and Infinity are refused)."""

    # False only where a service refuses such text itself, item by item (camera ingest).
    refuses_unstorable_text = True

    def parse(self, stream, media_type=None, parser_context=None):
        parser_context = parser_context or {}
        encoding = parser_context.get("encoding", settings.DEFAULT_CHARSET)
        raw = stream.read()
        try:
            text = raw.decode(encoding)
        except (UnicodeDecodeError, LookupError) as exc:
            reason = getattr(exc, "reason", str(exc))
            raise exceptions.ParseError(JSON_NOT_UTF8.format(encoding=encoding.upper(), reason=reason),
                                        code="json_not_utf8") from exc
        try:
            data = json.loads(text, parse_constant=_refuse_constant if self.strict else None,
                              parse_float=_finite_float if self.strict else None)
        except (ValueError, RecursionError) as exc:
            # The same answer as when the depth was scanned first: too deep wins over any other fault of the body.
            if json_depth_exceeds(raw if _ascii_compatible(encoding) else text):
                raise exceptions.ParseError(JSON_TOO_DEEP.format(limit=JSON_MAX_DEPTH), code="json_too_deep") from exc
            raise exceptions.ParseError(JSON_INVALID.format(reason=exc), code="parse_error") from exc
        if value_depth_exceeds(data):
            raise exceptions.ParseError(JSON_TOO_DEEP.format(limit=JSON_MAX_DEPTH), code="json_too_deep")
        # In UTF-8 (or ASCII, Latin-1) text only an escape can make a NUL or a half character (the JSON decoder
        # refuses a raw NUL in a string; these codecs never decode to a surrogate), so most bodies are never walked.
        may_hold_unstorable_text = "\\u" in text or not _ascii_compatible(encoding)
        if self.refuses_unstorable_text and may_hold_unstorable_text:
            found = unstorable_text_find(data)
            if found is not None:
                raise exceptions.ParseError(JSON_UNSTORABLE_TEXT.format(problem=found.message), code=found.code)
        if isinstance(data, dict) and not may_hold_unstorable_text:
            data = TextCheckedJSONObject(data)  # a service that checks item by item may skip it (camera ingest)
        return data


def _ascii_compatible(encoding: str) -> bool:
    return codecs.lookup(encoding).name in ("utf-8", "ascii", "iso8859-1", "cp1252")


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not a JSON number")


def _finite_float(literal: str) -> float:
    """A JSON number as a float, refusing one too large for a float (``1e999``): Python makes it infinity, which no
    field accepts and PostgreSQL's JSON refuses (a DataError: a 500 that lost a whole camera batch)."""
    value = float(literal)
    if not math.isfinite(value):
        raise ValueError(f"the number {literal[:40]} is too large")
    return value


class FieldsOnlyMultiPartParser(MultiPartParser):
    """Multipart for the endpoints that take no file (the default): bounded like a JSON or form body
    (``PORTAL["API_MAX_BODY_BYTES"]``, ``apps.common.api.negotiation``). Django streams multipart to disk, so its
    only bound was DATA_UPLOAD_MAX_MEMORY_SIZE (64 MB, for camera batches): a 3 MB correction reason sent as
    multipart was stored. Endpoints that take files declare DRF's ``MultiPartParser`` and limit their files."""

    @property
    def max_body_bytes(self) -> int:
        return settings.PORTAL["API_MAX_BODY_BYTES"]
