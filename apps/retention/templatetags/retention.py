from django import template

register = template.Library()


@register.filter
def get_item(mapping, key):
    """``{{ run.counts|get_item:"reads.archive" }}``: dict lookup by a key with dots."""
    return mapping.get(key, {}) if isinstance(mapping, dict) else None
