"""Home-page section: open misuse flags on the searches of the people this supervisor supervises (R-AUD-3)."""

from apps.accounts.roles import Role
from apps.common.home import HomeSection, register_home_section
from apps.misuse.choices import FlagStatus
from apps.misuse.selectors import misuse_flag_list_visible_to


def _open_flags(*, user):
    if not user.has_perm("misuse.review_misuseflags"):
        return None
    flags = misuse_flag_list_visible_to(user=user).filter(status=FlagStatus.OPEN)
    shown = list(flags[:8])
    if not shown:
        return None
    return {"flags": shown, "total": flags.count()}


def register() -> None:
    register_home_section(HomeSection(
        key="misuse.open", title="Misuse flags on your team's searches",
        roles=frozenset({Role.SUPERVISOR, Role.CUSTODIAN}), template="misuse/_home.html", context=_open_flags,
        order=20,
    ))
