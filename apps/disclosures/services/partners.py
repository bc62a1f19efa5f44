"""Guardian: a partner requester's agency group (R-ACC-4)."""

from __future__ import annotations

from django.db import transaction

from apps.disclosures.permissions import GROUP_PREFIX, agency_group, agency_group_name
from apps.disclosures.permissions import is_partner_requester as _is_partner


# --- guardian: the agency group ------------------------------------------------------------------------------------
def partner_access_sync(*, user) -> None:
    """Keep a partner requester in their own agency's group and no other (R-ACC-4); anyone else in none. Cheap and
    idempotent: the partner pages and API call it before selecting what the person may see."""
    if not user.is_authenticated:
        return
    current = set(user.groups.filter(name__startswith=GROUP_PREFIX).values_list("name", flat=True))
    wanted = {agency_group_name(user.agency_id)} if _is_partner(user) else set()
    if current == wanted:
        return
    with transaction.atomic():
        stale = current - wanted
        if stale:
            user.groups.remove(*user.groups.filter(name__in=stale))
        for name in wanted - current:
            user.groups.add(agency_group(int(name.removeprefix(GROUP_PREFIX))))
    user.__dict__.pop("roles", None)
