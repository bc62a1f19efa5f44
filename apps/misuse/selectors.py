"""Reads of the misuse app. Flags go to the flagged person's supervisor — never to the person (R-AUD-3)."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from apps.accounts.roles import Role
from apps.misuse.models import MisuseFlag


def misuse_flag_list_visible_to(*, user) -> QuerySet[MisuseFlag]:
    """The flags of the people ``user`` supervises (directly); the custodian also sees those of people without a
    supervisor. Never a person's own flags, whatever their role. Anything else is absent (404)."""
    flags = MisuseFlag.objects.select_related("subject", "resolved_by", "violation_report")
    if not getattr(user, "is_authenticated", False) or not user.has_perm("misuse.review_misuseflags"):
        return flags.none()
    visible = Q(subject__supervisor=user)
    if user.has_role(Role.CUSTODIAN):
        visible |= Q(subject__supervisor__isnull=True)
    return flags.filter(visible).exclude(subject=user)
