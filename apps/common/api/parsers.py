"""The one JSON parser of the API (the REST_FRAMEWORK default, and the JSON parser of every view that lists its own).

Python's JSON decoder recurses once per nesting level, so a body a few thousand brackets deep ended in a
RecursionError, i.e. HTTP 500, on every endpoint that reads JSON (issue #14). This parser measures the nesting
depth first, with a linear scan that does not recurse, and refuses a body deeper than ``JSON_MAX_DEPTH`` with 400
``json_too_deep`` before decoding it. No portal payload comes close: an OpenALPR ``alpr_group`` is about six levels
deep, a bulk ingest body three plus the read's metadata.

It also refuses bytes that are not UTF-8 with a clear 400. (A body over ``DATA_UPLOAD_MAX_MEMORY_SIZE`` never gets
here: DRF reads JSON through ``request.body``, which raises RequestDataTooBig, a 413 in the API's exception handler.)
"""

from __future__ import annotations

import json
import re

from django.conf import settings
from rest_framework import exceptions
from rest_framework.parsers import JSONParser

JSON_MAX_DEPTH = 64
JSON_TOO_DEEP = (
    "The JSON body is nested more than {limit} levels deep (arrays and objects inside each other); the portal accepts "
    "at most {limit}."
)
JSON_NOT_UTF8 = "The JSON body is not valid {encoding}: {reason}."
JSON_INVALID = "The body is not valid JSON: {reason}."

# A JSON string (escapes included). The closing quote is optional so that an unterminated string ends the match at
# the end of the body instead of failing and being retried from every later quote (which would be quadratic).
_STRING = re.compile(r'"[^"\\]*(?:\\[\s\S]?[^"\\]*)*"?')
_NOT_A_BRACKET = re.compile(r"[^\[\]{}]+")
_DEPTH_STEP = {"[": 1, "{": 1, "]": -1, "}": -1}


def json_depth_exceeds(text: str, limit: int = JSON_MAX_DEPTH) -> bool:
    """True if brackets outside strings nest deeper than ``limit``. Linear, no recursion, stops at the first level
    past the limit; brackets inside strings (also escaped quotes) do not count."""
    if text.count("[") + text.count("{") <= limit:
        return False
    brackets = _NOT_A_BRACKET.sub("", _STRING.sub("", text))
    depth = 0
    for char in brackets:
        depth += _DEPTH_STEP[char]
        if depth > limit:
            return True
    return False


class PortalJSONParser(JSONParser):
    """DRF's JSONParser with a depth limit and precise messages; everything else as DRF's (strict: NaN and Infinity
    are refused)."""

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
        if json_depth_exceeds(text):
            raise exceptions.ParseError(JSON_TOO_DEEP.format(limit=JSON_MAX_DEPTH), code="json_too_deep")
        try:
            return json.loads(text, parse_constant=_refuse_constant if self.strict else None)
        except (ValueError, RecursionError) as exc:
            raise exceptions.ParseError(JSON_INVALID.format(reason=exc), code="parse_error") from exc


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not a JSON number")
