"""Home-page section for supervisors: justifications waiting for their review (R-PURP-2)."""

from apps.accounts.roles import Role
from apps.common.home import HomeSection, register_home_section
from apps.justifications.selectors import justification_pending_count


def _pending(*, user):
    if not user.has_perm("justifications.review_justifications"):
        return None
    return {"pending": justification_pending_count(user=user)}


def register() -> None:
    register_home_section(HomeSection(
        key="justifications.pending", title="Justifications to review",
        roles=frozenset({Role.SUPERVISOR}), template="justifications/_home.html", context=_pending, order=30,
    ))
