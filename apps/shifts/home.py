"""Home-page section: the officer's units and whether they are signed on for this shift (R-OPS-1)."""

from apps.accounts.roles import Role
from apps.common.home import HomeSection, register_home_section


def _sign_on(*, user):
    from apps.shifts.selectors import sign_on_open_for, units_for_sign_on

    units = [{"camera": c, "open": sign_on_open_for(camera=c)} for c in units_for_sign_on(user=user)
             if c.assigned_officer_id == user.pk]
    if not units:
        return None
    return {"units": units}


def register() -> None:
    register_home_section(HomeSection(
        key="shifts.sign_on", title="Shift sign-on", roles=frozenset({Role.OPERATOR}),
        template="shifts/_home_sign_on.html", context=_sign_on, order=25,
    ))
