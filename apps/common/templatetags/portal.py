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
