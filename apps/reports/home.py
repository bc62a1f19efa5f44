"""Home-page sections about oversight reports: drafts to issue (custodian), reports available (oversight)."""

from django.utils import timezone

from apps.accounts.roles import Role
from apps.common.home import HomeSection, register_home_section
from apps.reports.choices import ReportStatus
from apps.reports.selectors import report_list_visible_to


def _custodian(*, user):
    if not user.has_perm("reports.review_oversightreport"):
        return None
    visible = report_list_visible_to(user=user)
    drafts = list(visible.filter(status=ReportStatus.DRAFT).order_by("due_on")[:10])
    # R-REP-1a: an issued report is done only once every body has been sent its rendition.
    unsent = [r for r in visible.filter(status=ReportStatus.ISSUED).order_by("due_on")[:50]
              if r.bodies_not_transmitted()][:10]
    if not drafts and not unsent:
        return None
    return {"reports": drafts + unsent, "today": timezone.localdate(),
            "intro": "Drafts waiting for your review and issue, and issued reports not yet sent to every body."}


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
