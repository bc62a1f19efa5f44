"""R-SHR-8 on the pages that export: the agencies an export may name as its outside recipient."""

from django import template

from apps.disclosures.egress import outside_recipient_agencies

register = template.Library()


@register.simple_tag
def export_recipient_agencies():
    return outside_recipient_agencies()
