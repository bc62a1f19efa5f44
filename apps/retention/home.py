"""Home-page section for the custodian of records: the last nights' retention runs (R-RET-4)."""

from apps.accounts.roles import Role
from apps.common.home import HomeSection, register_home_section


def _recent_runs(*, user):
    from apps.retention.selectors import retention_runs_recent

    if not user.has_perm("retention.view_retentionrun"):
        return None
    return {"runs": retention_runs_recent(limit=5)}


def register() -> None:
    register_home_section(HomeSection(
        key="retention.runs", title="Last nights' retention runs", roles=frozenset({Role.CUSTODIAN}),
        template="retention/_home_runs.html", context=_recent_runs, order=50,
    ))
