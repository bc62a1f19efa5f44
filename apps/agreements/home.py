"""Home-page sections for the custodian: agreements nearing sunset and renewals pending (R-SHR-2)."""

from apps.accounts.roles import Role
from apps.agreements.choices import AgreementStatus
from apps.agreements.models import Agreement
from apps.agreements.selectors import agreement_list_nearing_sunset
from apps.common.home import HomeSection, register_home_section

SECTION_ROLES = frozenset({Role.CUSTODIAN, Role.SYSADMIN})


def _nearing_sunset(*, user):
    if not user.has_perm("agreements.view_agreement"):
        return None
    agreements = list(agreement_list_nearing_sunset(within_days=60))
    return {"agreements": agreements, "empty": "No agreement reaches its sunset in the next 60 days."}


def _renewals_pending(*, user):
    if not user.has_perm("agreements.view_agreement"):
        return None
    due = (Agreement.objects.filter(status=AgreementStatus.RENEWAL_DUE).select_related("partner_agency")
           .prefetch_related("renewals").order_by("sunset_date"))
    rows = []
    for agreement in due:
        pending = next((r for r in agreement.renewals.all() if r.decision == "pending"), None)
        rows.append({"agreement": agreement, "renewal": pending})
    return {"rows": rows, "empty": "No renewal is pending."}


def register() -> None:
    register_home_section(HomeSection(
        key="agreements.nearing_sunset", title="Agreements nearing sunset", roles=SECTION_ROLES,
        template="agreements/_home_nearing_sunset.html", context=_nearing_sunset, order=32,
    ))
    register_home_section(HomeSection(
        key="agreements.renewals_pending", title="Agreement renewals pending", roles=SECTION_ROLES,
        template="agreements/_home_renewals_pending.html", context=_renewals_pending, order=33,
    ))
