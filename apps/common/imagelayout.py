"""Where a JPEG or PNG really ends, and its size, read from its markers/chunks without decoding (no Django here, so
the OCR engine can use it too).

A file with more than padding after that end is a **polyglot**: a second file (a ZIP, a script, an HTML page) hides
behind an image that every viewer shows normally. Uploads of every kind refuse it (issue #9); the walk is linear in
the file and allocates nothing, so it is safe on hostile input.
"""

from __future__ import annotations

import re
import struct

TRAILING_PADDING = b"\x00\t\n\r\x0c "  # what encoders pad with: never a hidden file
# In entropy-coded data, FF is followed by 00 (a stuffed byte), D0-D7 (a restart) or FF (fill): anything else is the
# next marker. One C-level search instead of a Python loop over every FF (a noisy 8 KB crop has dozens).
_NEXT_MARKER = re.compile(rb"\xff[^\x00\xd0-\xd7\xff]")
SOF_MARKERS = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}


def jpeg_layout(content: bytes) -> tuple[int | None, int | None, int | None]:
    """(width, height, end) of a JPEG from its markers, without decoding: ``end`` is the offset just after the EOI
    marker. ``None`` where the file is too damaged to tell (Pillow then says what is wrong)."""
    width = height = None
    position, size = 2, len(content)
    while position < size:
        if content[position] != 0xFF:
            return width, height, None
        while position < size and content[position] == 0xFF:
            position += 1
        if position >= size:
            break
        marker = content[position]
        position += 1
        if marker == 0xD9:
            return width, height, position
        if marker in (0x01, 0xD8) or 0xD0 <= marker <= 0xD7:
            continue
        if position + 2 > size:
            break
        length = struct.unpack(">H", content[position:position + 2])[0]
        if length < 2:
            break
        if marker in SOF_MARKERS and position + 7 <= size and width is None:
            height, width = struct.unpack(">HH", content[position + 3:position + 7])
        position += length
        if marker == 0xDA:  # entropy-coded data runs to the next marker that is neither a stuffed 00 nor a restart
            found = _NEXT_MARKER.search(content, position)
            if found is None:
                return width, height, None
            position = found.start()
    return width, height, None


def png_layout(content: bytes) -> tuple[int | None, int | None, int | None]:
    """(width, height, end) of a PNG from its chunks: ``end`` is the offset just after the IEND chunk."""
    width = height = None
    position, size = 8, len(content)
    while position + 8 <= size:
        length, kind = struct.unpack(">I4s", content[position:position + 8])
        if kind == b"IHDR" and position + 16 <= size:
            width, height = struct.unpack(">II", content[position + 8:position + 16])
        position += 12 + length
        if kind == b"IEND":
            return width, height, position if position <= size else None
    return width, height, None


def image_end(content: bytes) -> int | None:
    """The offset just after a JPEG's EOI or a PNG's IEND; None if it cannot be found (truncated or not an image)."""
    if content.startswith(b"\xff\xd8"):
        return jpeg_layout(content)[2]
    if content.startswith(b"\x89PNG\r\n\x1a\n"):
        return png_layout(content)[2]
    return None


def trailing_data(content: bytes, end: int) -> int:
    """How many bytes follow the image's end that are not padding (0: none)."""
    return len(content) - end if content[end:].strip(TRAILING_PADDING) else 0
