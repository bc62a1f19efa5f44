"""Charts as inline SVG, drawn in Python from a (redacted) figures table: no network, no JavaScript, no style
attributes (the pages' Content-Security-Policy forbids inline styles; presentation attributes are fine)."""

from __future__ import annotations

import math

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

INK, MUTED, BAR, GRID = "#1b2330", "#5b6778", "#12355b", "#d7dde5"
FONT = "DejaVu Sans, Helvetica, Arial, sans-serif"


def _number(value) -> int | float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return value
    if isinstance(value, dict) and "rate" in value:
        return value["rate"]
    return None


def _label(value) -> str:
    if isinstance(value, dict):
        return value.get("pseudonym") or value.get("name") or value.get("text") or ""
    return str(value)


def _shown(value) -> str:
    if isinstance(value, dict) and value.get("suppressed"):
        return "suppressed"
    number = _number(value)
    if isinstance(value, dict) and "rate" in value:
        return f"{number * 100:.1f} %"
    return f"{number:,}" if number is not None else "—"


def _text(x, y, content, *, anchor="start", size=10, fill=INK, weight="normal") -> str:
    return (f'<text x="{x:.1f}" y="{y:.1f}" font-family="{FONT}" font-size="{size}" fill="{fill}" '
            f'text-anchor="{anchor}" font-weight="{weight}">{escape(content)}</text>')


def nice_top(value: float) -> float:
    """The smallest 1, 2, 2.5 or 5 × 10^k at or above ``value``, so the axis ticks are round numbers."""
    if value <= 0:
        return 1
    magnitude = 10 ** math.floor(math.log10(value))
    return next(step * magnitude for step in (1, 2, 2.5, 5, 10) if step * magnitude >= value)


def bar_chart(*, title: str, labels: list[str], values: list, width: int = 640, height: int = 200) -> SafeString:
    """Vertical bars (one per label, e.g. months); a suppressed value draws no bar and says so."""
    numbers = [_number(v) or 0 for v in values]
    top = nice_top(max(numbers + [0]))
    left, bottom, plot_top = 56, height - 24, 16
    plot_height = bottom - plot_top
    slot = (width - left - 12) / max(len(labels), 1)
    parts = []
    for step in range(5):
        y = bottom - plot_height * step / 4
        parts.append(f'<line x1="{left}" y1="{y:.1f}" x2="{width - 8}" y2="{y:.1f}" stroke="{GRID}" stroke-width="1"/>')
        tick = top * step / 4
        parts.append(_text(left - 6, y + 3, f"{tick:,.0f}" if tick == int(tick) else f"{tick:,.1f}", anchor="end",
                           size=8, fill=MUTED))
    for index, (label, value, number) in enumerate(zip(labels, values, numbers, strict=True)):
        x = left + slot * index + slot * 0.15
        bar_width = slot * 0.7
        bar_height = plot_height * number / top
        if number:
            parts.append(f'<rect x="{x:.1f}" y="{bottom - bar_height:.1f}" width="{bar_width:.1f}" '
                         f'height="{bar_height:.1f}" fill="{BAR}"/>')
        parts.append(_text(x + bar_width / 2, bottom - bar_height - 4, _shown(value), anchor="middle", size=8))
        parts.append(_text(x + bar_width / 2, bottom + 14, label, anchor="middle", size=8, fill=MUTED))
    return _svg(width, height, title, parts, _figures(labels, values))


def hbar_chart(*, title: str, labels: list[str], values: list, width: int = 640) -> SafeString:
    """Horizontal bars (one per category, e.g. purposes or cameras), longest label on the left."""
    numbers = [_number(v) or 0 for v in values]
    top = max(numbers + [1])
    row = 18
    height = 6 + row * len(labels) + 4
    label_width = min(330, 12 + 5.2 * max((len(_label(label)) for label in labels), default=10))
    plot_width = width - label_width - 70
    parts = []
    for index, (label, value, number) in enumerate(zip(labels, values, numbers, strict=True)):
        y = 6 + row * index
        text = _label(label)
        if len(text) > 62:
            text = text[:60] + "…"
        parts.append(_text(label_width - 8, y + 11, text, anchor="end", size=8.5))
        bar = plot_width * number / top
        if number:
            parts.append(f'<rect x="{label_width}" y="{y + 2:.1f}" width="{bar:.1f}" height="{row - 6}" '
                         f'fill="{BAR}"/>')
        parts.append(_text(label_width + bar + 5, y + 11, _shown(value), size=8.5, fill=MUTED))
    return _svg(width, height, title, parts, _figures(labels, values))


def _figures(labels: list, values: list) -> str:
    """The chart's figures as text ("Jan 2026: 1,204; Feb 2026: suppressed"): its text alternative (WCAG 1.1.1)."""
    return "; ".join(f"{_label(label)}: {_shown(value)}" for label, value in zip(labels, values, strict=True))


def _svg(width: int, height: int, title: str, parts: list[str], figures: str) -> SafeString:
    """An image to assistive technology (role="img") whose name is its title and its figures, so a screen reader
    reads the numbers the bars show (WCAG 1.1.1); the drawing inside is hidden from it."""
    body = "".join(parts)
    name = escape(title)
    description = escape(figures or "no figures")
    return mark_safe(  # noqa: S308 - every text node above is escaped; numbers are formatted by us
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}" role="img" aria-label="{name}. {description}"><title>{name}</title>'
        f'<g aria-hidden="true">{body}</g></svg>'
    )


def chart_for_table(tbl: dict) -> SafeString | None:
    """Draw a table's chart (first column = labels, first count or rate column = values)."""
    if not tbl.get("chart") or not tbl.get("rows"):
        return None
    value_index = next((i for i, col in enumerate(tbl["columns"]) if col["type"] in ("count", "rate")), None)
    if value_index is None:
        return None
    labels = [_label(row[0]) for row in tbl["rows"]]
    values = [row[value_index] for row in tbl["rows"]]
    if not any(_number(value) for value in values):
        return None  # all zero (or all hidden): a chart of nothing says less than the table
    if tbl["chart"] == "bar":
        return bar_chart(title=tbl["title"], labels=labels, values=values)
    return hbar_chart(title=tbl["title"], labels=labels, values=values)
