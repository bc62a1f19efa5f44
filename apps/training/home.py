"""Home-page sections about training."""

from apps.accounts.models import User
from apps.accounts.roles import INTERNAL_ROLES, Role
from apps.common.home import HomeSection, register_home_section
from apps.training.selectors import training_lapsed_among


def _team_lapsed(*, user):
    team = User.objects.filter(supervisor=user, is_active=True).order_by("last_name", "username")
    return {"people": training_lapsed_among(people=team), "empty": "Everyone on your team is current."}


def _all_lapsed(*, user):
    staff = (
        User.objects.filter(is_active=True, groups__name__in=[str(role) for role in INTERNAL_ROLES])
        .distinct()
        .order_by("last_name", "username")
    )
    return {"people": training_lapsed_among(people=staff), "empty": "Every active staff member is current."}


def register() -> None:
    register_home_section(HomeSection(
        key="training.team", title="Your team's training", roles=frozenset({Role.SUPERVISOR}),
        template="training/_home_lapsed.html", context=_team_lapsed, order=20,
    ))
    register_home_section(HomeSection(
        key="training.all", title="Staff whose training is not current", roles=frozenset({Role.SYSADMIN}),
        template="training/_home_lapsed.html", context=_all_lapsed, order=20,
    ))
