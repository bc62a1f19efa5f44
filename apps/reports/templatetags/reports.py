"""Rendering typed report figures (apps.reports.figures) in the PDFs and on the public page."""

from django import template
from django.utils.html import format_html

from apps.common.charts import chart_for_table

register = template.Library()


def _count(value) -> str:
    return f"{value:,}"


@register.simple_tag
def report_cell(value, type_="label", threshold=5):
    """One figure as text: counts with separators, rates as percentages, suppressed counts as "< threshold"."""
    if value is None or value == "":
        return "—"
    if isinstance(value, dict):
        if value.get("suppressed"):
            return format_html('<span class="suppressed">&lt; {}</span>', threshold)
        if "pseudonym" in value:
            return value["pseudonym"]
        if "name" in value:
            return value["name"]
        if "rate" in value:
            return f"{value['rate'] * 100:.1f} %"
        if "ok" in value:
            return format_html('<span class="{}">{}</span>', "ok" if value["ok"] else "broken", value["text"])
    if type_ == "count" and isinstance(value, int):
        return _count(value)
    return str(value)


@register.filter
def report_chart(tbl):
    return chart_for_table(tbl) or ""


@register.filter
def css_string(value) -> str:
    """Text for a CSS string in the PDF's style block (page headers): quotes, backslashes and "<" escaped."""
    from django.utils.safestring import mark_safe

    text = str(value).replace("\\", "\\\\").replace('"', '\\"').replace("<", "\\3c ").replace("\n", " ")
    return mark_safe(text)  # noqa: S308 - escaped for a double-quoted CSS string above
