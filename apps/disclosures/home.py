"""Home-page sections: requests waiting for the custodian's review; a partner's own agency's requests."""

from apps.accounts.roles import Role
from apps.common.home import HomeSection, register_home_section
from apps.disclosures.choices import PackageStatus
from apps.disclosures.models import ReleasePackage
from apps.disclosures.permissions import is_partner_requester
from apps.disclosures.selectors import (
    disclosure_request_list_visible_to,
    disclosure_requests_waiting_for_review,
    requester_view_of,
)


def _waiting(*, user):
    if not user.has_perm("disclosures.review_disclosurerequest"):
        return None
    return {"requests": list(disclosure_requests_waiting_for_review()[:50]),
            "failed_packages": ReleasePackage.objects.filter(status=PackageStatus.FAILED).count(),
            "empty": "No disclosure request is waiting for review."}


def _partner(*, user):
    if not is_partner_requester(user):
        return None
    from apps.disclosures.services.partners import partner_access_sync

    partner_access_sync(user=user)
    rows = [(item, requester_view_of(item)) for item in disclosure_request_list_visible_to(user=user)[:10]]
    return {"rows": rows, "empty": "Your agency has not filed a request yet."}


def register() -> None:
    register_home_section(HomeSection(
        key="disclosures.waiting", title="Disclosure requests waiting for review", roles=frozenset({Role.CUSTODIAN}),
        template="disclosures/_home_waiting.html", context=_waiting, order=30,
    ))
    register_home_section(HomeSection(
        key="disclosures.partner", title="Your agency's disclosure requests",
        roles=frozenset({Role.PARTNER_REQUESTER}), template="disclosures/_home_partner.html", context=_partner,
        order=30,
    ))
