"""Template helpers shared by every page."""

from django import template
from django.utils.html import format_html, format_html_join

register = template.Library()


def _flat(value) -> str:
    if isinstance(value, dict):
        return ", ".join(f"{key}={_flat(inner)}" for key, inner in value.items() if inner not in (None, "", [], {}))
    if isinstance(value, list | tuple):
        return ", ".join(_flat(item) for item in value)
    return str(value)


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
