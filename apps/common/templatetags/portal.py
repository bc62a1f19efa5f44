"""Template helpers shared by every page."""

import re

from django import template
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.html import format_html, format_html_join

register = template.Library()

ISO_MOMENT = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?")


def _moment(text: str) -> str:
    """An ISO 8601 moment stored as text (JSON data elements, run counts) in the portal's one format: local time,
    24-hour, to the minute (issue #17: no '2026-02-09T15:49:00-08:00' noise beside dates shown as 2026-02-09 15:49)."""
    if not ISO_MOMENT.fullmatch(text):
        return text
    moment = parse_datetime(text)
    if moment is None:
        return text
    if timezone.is_aware(moment):
        moment = timezone.localtime(moment)
    return f"{moment:%Y-%m-%d %H:%M}"


def _flat(value) -> str:
    if isinstance(value, dict):
        return ", ".join(f"{key}={_flat(inner)}" for key, inner in value.items() if inner not in (None, "", [], {}))
    if isinstance(value, list | tuple):
        return ", ".join(_flat(item) for item in value)
    return _moment(str(value))


@register.filter
def data_value(value) -> str:
    """One value of a record's structured data (a run's counts…): moments in the portal's format, nothing as '—'."""
    if value in (None, "", [], {}):
        return "—"
    return _flat(value)


@register.filter
def data_elements(value) -> str:
    """Render an access-log row's structured data elements as readable ``key: value`` lines."""
    if not isinstance(value, dict) or not value:
        return "—"
    items = [(key, _flat(inner)) for key, inner in value.items() if inner not in (None, "", [], {})]
    if not items:
        return "—"
    return format_html("<dl class='elements'>{}</dl>",
                       format_html_join("", "<dt>{}</dt><dd>{}</dd>", ((k.replace("_", " "), v) for k, v in items)))


def _pick(row, key):
    return row.get(key) if isinstance(row, dict) else getattr(row, key, None)


@register.simple_tag
def hbar_chart(title, rows, label_key, value_key, percent=False):
    """A dashboard's horizontal bar chart, drawn by the same code as the PDF reports' charts (apps.common.charts):
    server-side SVG, no JavaScript, no network. ``percent``: the values are percentages (0–100)."""
    from apps.common.charts import hbar_chart as draw

    rows = list(rows or [])
    if not rows:
        return ""
    values = [_pick(row, value_key) or 0 for row in rows]
    if percent:
        values = [{"rate": float(value) / 100} for value in values]
    if not any((value["rate"] if percent else value) for value in values):
        return ""
    return draw(title=title, labels=[str(_pick(row, label_key)) for row in rows], values=values)


@register.simple_tag
def bar_chart(title, rows, label_key, value_key):
    """A dashboard's vertical bar chart (e.g. per day), the same look as the PDF reports' charts."""
    from apps.common.charts import bar_chart as draw

    rows = list(rows or [])
    if not rows:
        return ""
    return draw(title=title, labels=[str(_pick(row, label_key)) for row in rows],
                values=[_pick(row, value_key) or 0 for row in rows])
