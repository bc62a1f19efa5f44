"""Who may see which request (R-ACC-4): django-guardian object permissions on one group per partner agency.

Every request grants ``view_disclosurerequest`` to its agency's group (and to the account that sent it). Partner
requesters are kept in their own agency's group — and in no other — by ``partner_access_sync``, which the partner
pages and API call first, so a person who changes agency stops seeing the old agency's requests at once.
"""

from __future__ import annotations

from django.contrib.auth.models import Group
from rest_framework.permissions import BasePermission

from apps.accounts.roles import Role

VIEW_PERMISSION = "disclosures.view_disclosurerequest"
FILE_PERMISSION = "disclosures.add_disclosurerequest"
GROUP_PREFIX = "disclosures:agency:"


def agency_group_name(agency_id: int) -> str:
    return f"{GROUP_PREFIX}{agency_id}"


def agency_group(agency_id: int) -> Group:
    group, _ = Group.objects.get_or_create(name=agency_group_name(agency_id))
    return group


def is_partner_requester(user) -> bool:
    return bool(user and user.is_authenticated and user.has_role(Role.PARTNER_REQUESTER)
                and user.agency_id and user.has_perm(FILE_PERMISSION))


class CanFileDisclosureRequests(BasePermission):
    """API: a partner requester (R-ACC-1: submits and follows its own agency's written requests, nothing else)."""

    message = "Only partner agency requesters may file and follow disclosure requests."

    def has_permission(self, request, view) -> bool:
        return is_partner_requester(request.user)
