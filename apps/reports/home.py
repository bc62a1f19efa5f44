"""Home-page sections about oversight reports: drafts to issue (custodian), reports available (oversight)."""

from django.utils import timezone

from apps.accounts.roles import Role
from apps.common.home import HomeSection, register_home_section
from apps.reports.choices import ReportStatus
from apps.reports.selectors import report_list_visible_to


def _custodian(*, user):
    if not user.has_perm("reports.review_oversightreport"):
        return None
    drafts = list(report_list_visible_to(user=user).filter(status=ReportStatus.DRAFT).order_by("due_on")[:10])
    if not drafts:
        return None
    return {"reports": drafts, "today": timezone.localdate(), "intro": "Drafts waiting for your review and issue."}


def _oversight(*, user):
    issued = list(report_list_visible_to(user=user).filter(status=ReportStatus.ISSUED).order_by("-issued_at")[:5])
    return {"reports": issued, "today": timezone.localdate(), "intro": "Issued reports available to you.",
            "empty": "No report has been issued yet."}


def register() -> None:
    register_home_section(HomeSection(
        key="reports.drafts", title="Oversight reports", roles=frozenset({Role.CUSTODIAN}),
        template="reports/_home.html", context=_custodian, order=15,
    ))
    register_home_section(HomeSection(
        key="reports.issued", title="Oversight reports", roles=frozenset({Role.OVERSIGHT}),
        template="reports/_home.html", context=_oversight, order=15,
    ))
