"""What a page looks like to a person, measured inside the browser (issue #17): horizontal scrolling of the page,
elements that stick out of the viewport, text cut off by its box, images that did not load, checkboxes and radio
buttons squashed to a sliver, and an empty main area.
Used by the layout browser test (tests/journeys/test_layout_every_page.py) and the screenshot tool (tests/screens.py).
"""

from __future__ import annotations

from pathlib import Path

# Returns {hscroll, scroll_width, inner_width, overflowing: [...], clipped: [...], broken_images: [...],
# squashed_controls: [...], main_empty}. An element "overflows" when it reaches past the viewport's right edge while
# no ancestor scrolls or clips it horizontally (a wide table inside its own scrolling box is fine: the page does not
# scroll). Only the outermost offender of a subtree is named, so one wide form is one finding, not forty.
LAYOUT_PROBE = (Path(__file__).resolve().parent / "layout_probe.js").read_text()


def layout_probe(browser) -> dict:
    """The layout findings of the page the browser shows now (see LAYOUT_PROBE)."""
    return browser.execute_script(LAYOUT_PROBE)


def layout_problems(found: dict) -> list[str]:
    """A person-readable line per finding that makes the page look broken."""
    problems = []
    if found["hscroll"]:
        problems.append(f"page scrolls sideways ({found['scroll_width']} px wide, window {found['inner_width']} px)")
    problems += [f"sticks out of the window: {o['element']} (left {o['left']}, right {o['right']}) {o['text']!r}"
                 for o in found["overflowing"]]
    problems += [f"text cut off: {c['element']} {c['text']!r}" for c in found["clipped"]]
    problems += [f"image not loaded: {src}" for src in found["broken_images"]]
    problems += [f"control squashed to {c['width']}×{c['height']} px: {c['element']}"
                 for c in found["squashed_controls"]]
    if found["main_empty"]:
        problems.append("main area is empty")
    return problems
