"""``{% read_holds_section read %}``: the holds covering a read, on the read detail page (R-RET-3)."""

from django import template

register = template.Library()


@register.inclusion_tag("holds/_read_holds_section.html", takes_context=True)
def read_holds_section(context, read):
    from apps.holds.selectors import hold_list_for_read

    user = context["request"].user
    may_request = user.has_perm("holds.add_evidencehold")
    holds = hold_list_for_read(user=user, read_id=read.pk) if user.has_perm("holds.view_evidencehold") else []
    return {"read": read, "holds": holds, "may_request": may_request, "carry": context.get("carry", "")}
