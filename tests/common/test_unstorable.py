"""The one finder of text PostgreSQL cannot store (a NUL, an unpaired UTF-16 surrogate), used by the API's JSON parser
and by camera ingest: where it is, said the way the sender names it."""

from __future__ import annotations

import json

import pytest

from apps.common.unstorable import TEXT_HAS_NUL, TEXT_HAS_SURROGATE, unstorable_text_find, unstorable_text_replace


@pytest.mark.parametrize(("body", "field", "code"), [
    ('{"reads": [{"plate": "7ABC123"}, {"metadata": {"note": "\\ud83d"}}]}', "reads[1].metadata.note",
     "surrogate_character"),
    ('{"metadata": {"a\\u0000": 1}}', "a key of metadata", "nul_character"),
    ('{"a\\udc00": 1}', "a key", "surrogate_character"),
    ('[[["x", "\\u0000"]]]', "[0][0][1]", "nul_character"),
    ('"\\ude00 alone"', "the text", "surrogate_character"),
])
def test_it_finds_a_nul_or_a_half_character_anywhere_and_names_the_place(body, field, code):
    found = unstorable_text_find(json.loads(body))
    assert (found.field, found.code) == (field, code)
    expected = (TEXT_HAS_NUL.format(field=field) if code == "nul_character"
                else TEXT_HAS_SURROGATE.format(field=field, code=ord(found.character)))
    assert found.message == expected


@pytest.mark.parametrize("body", [
    '{"note": "\\ud83d\\ude00"}',  # a pair escaped as its two halves is one character
    '{"note": "C:\\\\u0000", "n": 1, "none": null, "list": [true, 2.5]}',  # a backslash and the text "u0000"
    '{"note": "Zürich 東京"}',
])
def test_text_that_can_be_stored_is_not_found(body):
    assert unstorable_text_find(json.loads(body)) is None


def test_skipped_paths_are_not_looked_at_and_nothing_else_is_skipped():
    value = {"agent_version": "4\x00", "metadata": {"agent_version": "4\x00"}}
    assert unstorable_text_find(value, skip={("agent_version",)}).field == "metadata.agent_version"
    assert unstorable_text_find(value, skip={("agent_version",), ("metadata", "agent_version")}) is None


def test_a_deep_value_is_walked_without_recursion():
    value: list = ["\x00"]
    for _ in range(100_000):
        value = [value]
    assert unstorable_text_find(value).code == "nul_character"


def test_replace_makes_text_storable_or_cleans_it():
    assert unstorable_text_replace("a\ud83d\x00b") == "a\N{REPLACEMENT CHARACTER}\N{REPLACEMENT CHARACTER}b"
    assert unstorable_text_replace("a\ud83d\x00b", nul=False) == "a\N{REPLACEMENT CHARACTER}\x00b"
    assert unstorable_text_replace("4.1\ud83d\x00.6", by="") == "4.1.6"


def test_the_parser_marks_a_body_without_escapes_as_holding_no_unstorable_text():
    """Camera ingest skips its per-read walk for such a body (5 ms of a 1,000-read batch): in UTF-8 JSON only a \\u
    escape can make a NUL or a half character. A body with any escape is never marked, so it is walked."""
    import io

    from apps.common.api.parsers import TextCheckedJSONObject
    from apps.reads.api.parsers import CameraIngestJSONParser

    def parsed(body: str):
        return CameraIngestJSONParser().parse(io.BytesIO(body.encode()), "application/json", {"encoding": "utf-8"})

    assert isinstance(parsed('{"reads": [{"plate": "7ABC123", "metadata": {"note": "ok"}}]}'), TextCheckedJSONObject)
    for body in ('{"reads": [{"metadata": {"note": "\\ud83d"}}]}', '{"reads": [{"metadata": {"note": "\\u0000"}}]}',
                 '{"reads": [{"metadata": {"note": "caf\\u00e9"}}]}'):
        data = parsed(body)
        assert not isinstance(data, TextCheckedJSONObject) and isinstance(data, dict)
