"""Home-page sections for supervisors: evidence holds waiting for their approval, and holds due for re-affirmation."""

from apps.accounts.roles import Role
from apps.common.home import HomeSection, register_home_section


def _waiting(*, user):
    from apps.holds.selectors import holds_waiting_for

    return {"holds": list(holds_waiting_for(user=user)[:20]), "empty": "No evidence hold waits for your approval."}


def _verify(*, user):
    from apps.holds.selectors import holds_waiting_for_verification

    if not user.has_perm("holds.verify_evidencehold"):
        return None
    return {"holds": list(holds_waiting_for_verification(user=user)[:20]),
            "empty": "No extended-retention request waits for your verification."}


def _due(*, user):
    from apps.holds.selectors import holds_due_for_reaffirmation

    holds = list(holds_due_for_reaffirmation(user=user)[:20])
    if not holds and not user.has_role(Role.SUPERVISOR):
        return None
    return {"holds": holds, "empty": "No hold is due for its yearly re-affirmation.", "show_due": True}


def register() -> None:
    register_home_section(HomeSection(
        key="holds.waiting", title="Evidence holds waiting for your approval", roles=frozenset({Role.SUPERVISOR}),
        template="holds/_home_holds.html", context=_waiting, order=20,
    ))
    register_home_section(HomeSection(
        key="holds.verify", title="Evidence holds waiting for your verification (R-RET-3a)",
        roles=frozenset({Role.CUSTODIAN}), template="holds/_home_holds.html", context=_verify, order=20,
    ))
    register_home_section(HomeSection(
        key="holds.reaffirm", title="Evidence holds due for re-affirmation",
        roles=frozenset({Role.SUPERVISOR, Role.INVESTIGATOR}), template="holds/_home_holds.html", context=_due,
        order=21,
    ))
