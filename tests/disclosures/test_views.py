"""What a partner requester sees (R-ACC-4, R-SHR-6) on the pages, and the custodian's review page in the admin
(the eligibility result, the matching agreement, the audited count of matching reads)."""

import pytest
from django.urls import reverse

from apps.accounts.roles import Role
from apps.audit.choices import SystemPurpose
from apps.audit.models import AccessLog
from apps.disclosures.services.decisions import disclosure_request_close_ineligible, disclosure_request_request_info
from tests.factories import AgencyFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def own(partner, submit):
    return submit(partner, case_number="OWN-1")


@pytest.fixture
def others(other_partner, submit):
    return submit(other_partner, case_number="OTHER-1")


def test_a_partner_sees_only_its_own_agencys_requests(client, partner, own, others):
    client.force_login(partner)
    listing = client.get(reverse("disclosures:list")).content.decode()
    assert own.reference in listing and others.reference not in listing
    assert client.get(reverse("disclosures:detail", args=[own.pk])).status_code == 200
    assert client.get(reverse("disclosures:detail", args=[others.pk])).status_code == 404
    assert client.post(reverse("disclosures:respond", args=[others.pk]), {"message": "x"}).status_code == 404
    assert client.get(reverse("disclosures:package", args=[others.pk])).status_code == 404
    home = client.get(reverse("home")).content.decode()
    assert own.reference in home and others.reference not in home


def test_a_colleague_at_the_same_agency_follows_the_request(client, make_user, partner_agency, own):
    colleague = make_user(Role.PARTNER_REQUESTER, agency=partner_agency)
    client.force_login(colleague)
    assert client.get(reverse("disclosures:detail", args=[own.pk])).status_code == 200


def test_moving_to_another_agency_ends_access_at_once(client, partner, other_agency, own):
    client.force_login(partner)
    assert client.get(reverse("disclosures:detail", args=[own.pk])).status_code == 200
    partner.agency = other_agency
    partner.save(update_fields=["agency"])
    assert client.get(reverse("disclosures:detail", args=[own.pk])).status_code == 404


@pytest.mark.parametrize("role", ["investigator", "custodian", "sysadmin", "oversight", "operator"])
def test_other_roles_do_not_use_the_partner_pages(client, make_user, own, role):
    client.force_login(make_user(role))
    assert client.get(reverse("disclosures:detail", args=[own.pk])).status_code == 403


def test_an_ineligible_requester_sees_closed_and_the_legal_reason_never_a_count(client, make_user, custodian,
                                                                                store_reads, submit):
    """R-SHR-6: reads matching the plate exist, yet nothing on the page confirms or denies it."""
    store_reads([("7ABC123", 3, False), ("7ABC123", 5, False)])
    reno = AgencyFactory(name="Reno Police Department", state="NV", ori="NV0160200")
    requester = make_user(Role.PARTNER_REQUESTER, agency=reno)
    request = submit(requester)
    client.force_login(requester)
    pending = client.get(reverse("disclosures:detail", args=[request.pk])).content.decode()
    disclosure_request_close_ineligible(actor=custodian, disclosure_request=request)
    closed = client.get(reverse("disclosures:detail", args=[request.pk])).content.decode()
    assert 'id="request-status">Closed<' in closed
    assert "is not a California agency (NV)" in closed
    for page in (pending, closed):
        assert "2 read" not in page and "matching" not in page.lower() and "no data" not in page.lower()
    assert "Denied" not in closed


def test_the_requester_answers_a_request_for_information(client, partner, custodian, own):
    disclosure_request_request_info(actor=custodian, disclosure_request=own, message="Which vehicle?")
    client.force_login(partner)
    page = client.get(reverse("disclosures:detail", args=[own.pk])).content.decode()
    assert "Which vehicle?" in page and 'action="/disclosures/requests/' in page
    empty = client.post(reverse("disclosures:respond", args=[own.pk]), {"message": ""})
    assert empty.status_code == 200 and "This field is required." in empty.content.decode()
    response = client.post(reverse("disclosures:respond", args=[own.pk]), {"message": "A white van."})
    assert response.status_code == 302
    own.refresh_from_db()
    assert own.status == "submitted" and own.info_responses.get().message == "A white van."


# --- the custodian in the admin ----------------------------------------------------------------------------------
def test_the_review_page_shows_eligibility_agreement_and_an_audited_count(client, custodian, agreement, partner,
                                                                           store_reads, submit):
    store_reads([("7ABC123", 2, False), ("7ABC123", 30, False), ("7ABD129", 4, False), ("6TRJ244", 1, False)])
    request = submit(partner, plates=["7ABC123", "7AB?12*"])
    client.force_login(custodian)
    before = AccessLog.objects.count()
    page = client.get(reverse("admin:disclosures_disclosurerequest_change", args=[request.pk])).content.decode()
    assert "Eligible" in page and agreement.title in page
    assert "<strong>3</strong> reads" in page
    row = AccessLog.objects.order_by("-seq").first()
    assert AccessLog.objects.count() == before + 1
    assert (row.action, row.purpose, row.case_number, row.result_count, row.username) == (
        "disclosures.review.count", SystemPurpose.RECORDS_REVIEW, request.case_number, 3, custodian.username)
    assert row.data_elements["disclosure_request"] == request.reference
    assert reverse("admin:disclosures_disclosurerequest_approve", args=[request.pk]) in page


def test_the_custodian_approves_denies_and_asks_in_the_admin(client, custodian, partner, submit, agreement):
    approve_me, deny_me, ask_me = submit(partner), submit(partner), submit(partner)
    client.force_login(custodian)
    form = client.get(reverse("admin:disclosures_disclosurerequest_approve", args=[approve_me.pk])).content.decode()
    assert approve_me.reference in form and "I have reviewed written request" in form
    response = client.post(reverse("admin:disclosures_disclosurerequest_approve", args=[approve_me.pk]), {
        "statement": "I authorize.", "signer_name": "Carmen Ortiz", "signer_title": "Custodian of Records",
        "reviewed": "on"})
    assert response.status_code == 302
    again = client.post(reverse("admin:disclosures_disclosurerequest_approve", args=[approve_me.pk]), {
        "statement": "I authorize.", "signer_name": "Carmen Ortiz", "signer_title": "Custodian of Records",
        "reviewed": "on"})
    assert "was already approved" in again.content.decode()
    client.post(reverse("admin:disclosures_disclosurerequest_deny", args=[deny_me.pk]), {"reason": "Too broad."})
    client.post(reverse("admin:disclosures_disclosurerequest_request_info", args=[ask_me.pk]), {"message": "Why?"})
    for item, status in ((approve_me, "approved"), (deny_me, "denied"), (ask_me, "info_requested")):
        item.refresh_from_db()
        assert item.status == status


def test_list_actions_take_one_request_at_a_time(client, custodian, partner, submit):
    first, second = submit(partner), submit(partner)
    client.force_login(custodian)
    changelist = reverse("admin:disclosures_disclosurerequest_changelist")
    response = client.post(changelist, {"action": "approve_action", "_selected_action": [first.pk]})
    assert response["Location"] == reverse("admin:disclosures_disclosurerequest_approve", args=[first.pk])
    response = client.post(changelist, {"action": "deny_action", "_selected_action": [first.pk, second.pk]},
                           follow=True)
    assert "Choose exactly one request" in response.content.decode()


def test_requests_cannot_be_deleted_in_the_admin_and_history_is_kept(client, custodian, own):
    client.force_login(custodian)
    assert client.get(reverse("admin:disclosures_disclosurerequest_delete", args=[own.pk])).status_code == 403
    history = client.get(reverse("admin:disclosures_disclosurerequest_auditlog", args=[own.pk]))
    assert history.status_code == 200


def test_the_custodians_home_lists_requests_waiting_for_review(client, custodian, own):
    client.force_login(custodian)
    page = client.get(reverse("home")).content.decode()
    assert "Disclosure requests waiting for review" in page and own.reference in page


def test_a_lapsed_custodian_is_stopped_at_the_review_page(client, make_user, own):
    from datetime import timedelta

    from django.utils import timezone

    from tests.factories import TrainingRecordFactory

    lapsed = make_user(Role.CUSTODIAN, trained=False)
    TrainingRecordFactory(person=lapsed, completed_on=timezone.localdate() - timedelta(days=500))
    client.force_login(lapsed)
    response = client.get(reverse("admin:disclosures_disclosurerequest_change", args=[own.pk]))
    assert response.status_code == 302 and response["Location"] == reverse("training:required")
    assert not AccessLog.objects.filter(action="disclosures.review.count").exists()


def test_the_administrator_sees_requests_read_only_without_counts_or_decisions(client, sysadmin, own):
    client.force_login(sysadmin)
    changelist = client.get(reverse("admin:disclosures_disclosurerequest_changelist"))
    assert changelist.status_code == 200 and own.reference in changelist.content.decode()
    page = client.get(reverse("admin:disclosures_disclosurerequest_change", args=[own.pk])).content.decode()
    assert "Review (R-SHR-4)" in page and "Approve and authorize" not in page
    assert not AccessLog.objects.filter(action="disclosures.review.count").exists()
    assert client.get(reverse("admin:disclosures_disclosurerequest_approve", args=[own.pk])).status_code == 403


def test_release_packages_and_authorizations_are_listed_read_only(client, custodian, own, agreement):
    from apps.disclosures.models import ReleasePackage
    from apps.disclosures.services.decisions import disclosure_request_approve

    disclosure_request_approve(actor=custodian, disclosure_request=own, statement="I authorize.",
                               signer_name="Carmen Ortiz", signer_title="Custodian of Records")
    client.force_login(custodian)
    for name in ("disclosures_releasepackage", "disclosures_disclosureauthorization"):
        response = client.get(reverse(f"admin:{name}_changelist"))
        assert response.status_code == 200, name
    package = ReleasePackage.objects.get(request=own)
    package_page = client.get(reverse("admin:disclosures_releasepackage_change", args=[package.pk]))
    assert package_page.status_code == 200 and "Queued" in package_page.content.decode()
