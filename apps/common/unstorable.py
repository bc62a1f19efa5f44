"""Text PostgreSQL cannot store, found anywhere in a decoded JSON value.

PostgreSQL refuses two things that JSON text may carry: the NUL character U+0000 (in text and in jsonb) and a lone
UTF-16 surrogate (U+D800–U+DFFF without its other half: JSON allows the escape ``"\\ud83d"`` on its own, Python
decodes it to a str that cannot even be encoded as UTF-8, and jsonb refuses it). Either one reaching an INSERT is a
DataError — a 500 that loses the whole request. ``unstorable_text_find`` finds the first such string (a value or a
key) and says where it is, so that the API's JSON parser refuses the body with a 400 naming the field
(``apps.common.api.parsers``) and camera ingest refuses just the one read (``apps.reads.services.ingest``).

A surrogate *pair* sent as two escapes (``"\\ud83d\\ude00"``) decodes to one character and is stored as it is.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass

TEXT_HAS_NUL = "{field} contains a NUL character (\\u0000), which cannot be stored."
TEXT_HAS_SURROGATE = (
    "{field} contains an unpaired UTF-16 surrogate (\\u{code:04x}), which is not a character and cannot be stored."
)
A_KEY_OF = "a key of {field}"
A_KEY = "a key"
THE_TEXT = "the text"
PATH_KEY_SHOWN_CHARS = 40

_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
_SURROGATE = re.compile("[\ud800-\udfff]")


@dataclass(frozen=True)
class UnstorableText:
    """Where unstorable text was found: ``path`` from the top of the value (keys and list indexes), the offending
    character, and whether it is in a key (of the object at ``path``) rather than in a value."""

    path: tuple[str | int, ...]
    character: str
    in_key: bool = False

    @property
    def code(self) -> str:
        return "nul_character" if self.character == "\x00" else "surrogate_character"

    @property
    def field(self) -> str:
        """``reads[5].metadata.note``; ``a key of metadata``. The keys shown were checked: none holds such text."""
        where = ""
        for step in self.path:
            where += f"[{step}]" if isinstance(step, int) else (f".{step[:PATH_KEY_SHOWN_CHARS]}" if where
                                                                 else step[:PATH_KEY_SHOWN_CHARS])
        if self.in_key:
            return A_KEY_OF.format(field=where) if where else A_KEY
        return where or THE_TEXT

    @property
    def message(self) -> str:
        if self.character == "\x00":
            return TEXT_HAS_NUL.format(field=self.field)
        return TEXT_HAS_SURROGATE.format(field=self.field, code=ord(self.character))


def _unstorable_character(text: str) -> str | None:
    if text.isascii():  # the common case, and a fast one: only a NUL can be wrong here
        return "\x00" if "\x00" in text else None
    match = _UNSTORABLE.search(text)
    return match.group() if match else None


def unstorable_text_find(value, *, skip: Collection[tuple[str, ...]] = ()) -> UnstorableText | None:
    """A string (key or value) in ``value`` — dicts, lists, strings, anything else ignored — that holds a NUL or a
    lone surrogate, or None; the first one of a level (its own strings before what it nests). ``skip``: paths of keys
    (no list indexes) whose values are not looked at, for labels the caller cleans itself. Iterative (no recursion,
    whatever the depth); a string is scanned by C code, and a path is built only for containers (the reads of a
    camera batch of 1,000 are checked in a few milliseconds)."""
    skipped: dict[tuple, set] = {}
    for path in skip:
        skipped.setdefault(tuple(path[:-1]), set()).add(path[-1])
    stack: list[tuple[object, tuple]] = [(value, ())]
    while stack:
        node, path = stack.pop()
        if isinstance(node, str):
            character = _unstorable_character(node)
            if character is not None:
                return UnstorableText(path, character)
            continue
        if isinstance(node, dict):
            items = node.items()
            not_here = skipped.get(path, ())
        elif isinstance(node, list | tuple):
            items, not_here = enumerate(node), ()
        else:
            continue
        containers = []
        for key, child in items:
            if isinstance(key, str):
                character = _unstorable_character(key)
                if character is not None:
                    return UnstorableText(path, character, in_key=True)
            if key in not_here:
                continue
            if isinstance(child, str):
                character = _unstorable_character(child)
                if character is not None:
                    return UnstorableText((*path, key), character)
            elif isinstance(child, dict | list | tuple):
                containers.append((child, (*path, key)))
        stack.extend(reversed(containers))  # reversed: the first one is looked at first
    return None


def unstorable_text_replace(text: str, *, by: str = "\N{REPLACEMENT CHARACTER}", nul: bool = True) -> str:
    """``text`` with every lone surrogate (and NUL, unless ``nul=False``) replaced by ``by``: for quoting refused
    input back in a message or a log, or ``by=""`` for a label that is cleaned rather than refused."""
    return (_UNSTORABLE if nul else _SURROGATE).sub(by, text)
