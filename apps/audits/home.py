"""Home-page sections about query audits: campaigns needing work, and follow-ups sent to a supervisor."""

from django.db.models import Q

from apps.accounts.roles import Role
from apps.audits.choices import CampaignStatus
from apps.audits.selectors import audit_campaign_list_visible_to, audit_follow_ups_visible_to, with_finding_counts
from apps.common.home import HomeSection, register_home_section


def _open_campaigns(*, user):
    if not user.has_perm("audits.view_auditcampaign"):
        return None
    visible = audit_campaign_list_visible_to(user=user)
    waiting = Q(status=CampaignStatus.IN_REVIEW)
    if user.has_perm("audits.approve_auditcampaign"):
        waiting |= Q(status=CampaignStatus.SUBMITTED)
    campaigns = list(with_finding_counts(visible.filter(waiting))[:10])
    follow_ups = audit_follow_ups_visible_to(user=user).filter(follow_up_resolved_at__isnull=True).count()
    if not campaigns and not follow_ups:
        return None
    return {"campaigns": campaigns, "follow_ups": follow_ups}


def register() -> None:
    register_home_section(HomeSection(
        key="audits.open", title="Query audits", roles=frozenset({Role.SUPERVISOR, Role.CUSTODIAN}),
        template="audits/_home.html", context=_open_campaigns, order=25,
    ))
