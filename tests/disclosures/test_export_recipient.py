"""R-SHR-8: every egress is a disclosure. The reads CSV export (page and API) and the evidence package name their
recipient; an outside recipient turns the export into a disclosure request entered by staff on the outside
agency's behalf, waiting for the custodian — nothing is downloadable until it is authorized — and then the outside
agency downloads the release package like any other."""

from __future__ import annotations

import pytest
from django.urls import reverse

from apps.accounts.roles import Role
from apps.audit.models import AccessLog, DomainEvent
from apps.common.errors import ApplicationError
from apps.disclosures import egress
from apps.disclosures.choices import DisclosureStatus
from apps.disclosures.links import package_download_url
from apps.disclosures.models import DisclosureRequest, ReleasePackage
from apps.disclosures.packages import release_package_build
from apps.disclosures.services.decisions import disclosure_request_approve
from tests.disclosures.test_package import SIGN
from tests.holds.helpers import approve_and_verify

pytestmark = pytest.mark.django_db
SEARCH = {"purpose": "investigative_leads", "case_number": "24-001234", "plate": "7ABC123"}


@pytest.fixture
def investigator(make_user, deploying_agency):
    return make_user(Role.INVESTIGATOR, agency=deploying_agency, first_name="Ivy", last_name="Stone")


def _outside(partner_agency, **overrides):
    return {"recipient": "outside", "recipient_agency": str(partner_agency.pk), "recipient_person": "Pat Morgan",
            "recipient_legal_basis": "Penal Code § 459 investigation, shared case.", **overrides}


def test_an_export_that_names_no_recipient_is_refused(client, api_client, investigator, store_reads):
    store_reads([("7ABC123", 5, False)])
    client.force_login(investigator)
    response = client.get(reverse("reads:export"), SEARCH, follow=True)
    assert egress.RECIPIENT_REQUIRED in response.content.decode()
    api_client.force_authenticate(investigator)
    response = api_client.get("/api/v1/reads/export/", SEARCH)
    assert response.status_code == 400 and response.json()["error"]["code"] == "recipient_required"
    assert not AccessLog.objects.filter(action="reads.export").exists()


def test_an_internal_export_records_its_recipient(client, investigator, store_reads):
    store_reads([("7ABC123", 5, False)])
    client.force_login(investigator)
    response = client.get(reverse("reads:export"), {**SEARCH, "recipient": "internal"})
    assert response.status_code == 200
    assert AccessLog.objects.get(action="reads.export").data_elements["recipient"] == "internal (own agency)"


def test_the_search_page_offers_both_recipients(client, investigator, store_reads, partner_agency):
    store_reads([("7ABC123", 5, False)])
    client.force_login(investigator)
    page = client.get(reverse("reads:search"), SEARCH).content.decode()
    assert "recipient=internal" in page and 'id="outside-export"' in page and partner_agency.name in page


def test_an_outside_export_is_a_disclosure_the_custodian_authorizes_end_to_end(
        client, investigator, custodian, partner, agreement, store_reads):
    store_reads([("7ABC123", 5, False), ("7ABC123", 6, False)])
    client.force_login(investigator)

    response = client.get(reverse("reads:export"), {**SEARCH, **_outside(partner.agency)}, follow=True)

    entered = DisclosureRequest.objects.get()
    page = response.content.decode()
    assert "Nothing was exported" in page and entered.reference in page
    assert response.redirect_chain[-1][0].startswith(reverse("reads:search"))
    assert (entered.agency, entered.entered_by, entered.submitted_by, entered.status) == (
        partner.agency, investigator, investigator, DisclosureStatus.SUBMITTED)
    assert (entered.requesting_person_name, entered.plates, entered.case_number) == (
        "Pat Morgan", ["7ABC123"], "24-001234")
    assert not AccessLog.objects.filter(action="reads.export").exists()  # nothing left the building
    assert DomainEvent.objects.filter(code="alprportal.disclosures.request.entered_for_export").count() == 1
    assert not ReleasePackage.objects.exists()

    with pytest.raises(ApplicationError) as caught:  # the person who entered it cannot authorize it
        disclosure_request_approve(actor=investigator, disclosure_request=entered, **SIGN)
    assert caught.value.code == "not_the_custodian"

    # The outside agency learns nothing of it (our plates, case number, investigator) until the custodian authorizes
    # it: a recipient that may never be authorized (an immigration agency, a company) must not see it waiting.
    client.force_login(partner)
    assert client.get(reverse("disclosures:detail", args=[entered.pk])).status_code == 404
    assert entered.reference not in client.get(reverse("disclosures:list")).content.decode()
    disclosure_request_approve(actor=custodian, disclosure_request=entered, **SIGN)
    assert client.get(reverse("disclosures:detail", args=[entered.pk])).status_code == 200
    package = release_package_build(package_id=ReleasePackage.objects.get(request=entered).pk, actor=custodian)
    assert package.read_count == 2
    response = client.get(package_download_url(package=package, user=partner))
    assert response.status_code == 200


def test_the_api_outside_export_answers_202_with_the_request(api_client, investigator, partner_agency, agreement,
                                                             store_reads):
    store_reads([("7ABC123", 5, False)])
    api_client.force_authenticate(investigator)
    response = api_client.get("/api/v1/reads/export/", {**SEARCH, **_outside(partner_agency)})
    assert response.status_code == 202
    body = response.json()
    entered = DisclosureRequest.objects.get()
    assert body["disclosure_request"]["reference"] == entered.reference and body["disclosure_request"]["status"] == (
        "submitted")
    assert not AccessLog.objects.filter(action="reads.export").exists()


@pytest.mark.parametrize(("overrides", "code"), [
    ({"recipient_agency": ""}, "recipient_agency_required"),
    ({"recipient_person": " "}, "recipient_person_required"),
    ({"recipient_legal_basis": ""}, "recipient_legal_basis_required"),
])
def test_an_incomplete_outside_recipient_is_refused(api_client, investigator, partner_agency, store_reads,
                                                    overrides, code):
    store_reads([("7ABC123", 5, False)])
    api_client.force_authenticate(investigator)
    response = api_client.get("/api/v1/reads/export/", {**SEARCH, **_outside(partner_agency, **overrides)})
    assert response.status_code == 400 and response.json()["error"]["code"] == code
    assert not DisclosureRequest.objects.exists()


def test_our_own_agency_is_not_an_outside_recipient(api_client, investigator, deploying_agency, store_reads):
    api_client.force_authenticate(investigator)
    response = api_client.get("/api/v1/reads/export/", {**SEARCH, **_outside(deploying_agency)})
    assert response.json()["error"]["code"] == "recipient_is_own_agency"


def test_an_outside_evidence_export_is_a_disclosure_request(client, make_user, deploying_agency, partner_agency,
                                                            camera):
    from apps.holds.choices import ScopeKind
    from apps.holds.models import EvidenceExport
    from apps.holds.services.request import hold_request
    from tests.holds.helpers import make_read

    boss = make_user(Role.SUPERVISOR, agency=deploying_agency)
    detective = make_user(Role.INVESTIGATOR, agency=deploying_agency, supervisor=boss)
    reads = [make_read(camera, plate="7ABC123", days_ago=d) for d in (1, 2)]
    hold = approve_and_verify(boss=boss, hold=hold_request(
        actor=detective, case_number="24-000777", reason="Robbery.", ground="evidence", contact="555-0100",
        scope_kind=ScopeKind.READS, read_ids=[r.pk for r in reads]))
    client.force_login(detective)
    page = client.get(reverse("holds:detail", args=[hold.pk])).content.decode()
    assert 'name="recipient" value="internal"' in page and 'id="outside-export"' in page

    response = client.post(reverse("holds:export", args=[hold.pk]), _outside(partner_agency), follow=True)

    entered = DisclosureRequest.objects.get()
    assert "Nothing was exported" in response.content.decode() and entered.reference in response.content.decode()
    assert (entered.agency, entered.case_number, entered.plates) == (partner_agency, "24-000777", ["7ABC123"])
    assert not EvidenceExport.objects.exists()

    client.post(reverse("holds:export", args=[hold.pk]), {"recipient": "internal"})
    assert EvidenceExport.objects.get().recipient == "internal (own agency)"
    response = client.post(reverse("holds:export", args=[hold.pk]), {}, follow=True)
    assert egress.RECIPIENT_REQUIRED in response.content.decode()


def test_an_outside_export_to_an_immigration_agency_is_screened_by_the_agency_name(
        api_client, investigator, store_reads):
    """R-SHR-5a: an export asked for "ICE" whose words say nothing of immigration is still on the immigration path,
    and that agency sees nothing of it."""
    from tests.factories import AgencyFactory

    ice = AgencyFactory(name="U.S. Immigration and Customs Enforcement")
    store_reads([("7ABC123", 5, False)])
    api_client.force_authenticate(investigator)
    response = api_client.get("/api/v1/reads/export/", {**SEARCH, **_outside(ice)})
    assert response.status_code == 202, response.content
    entered = DisclosureRequest.objects.get()
    assert entered.immigration_screen_terms, "the agency's name puts it on the immigration path"
    from guardian.shortcuts import get_groups_with_perms

    assert not get_groups_with_perms(entered)


@pytest.mark.parametrize(("overrides", "field"), [
    ({"recipient_person": "a\x00b"}, "recipient_person"),
    ({"recipient_person": "X\r\nY"}, "recipient_person"),
    ({"recipient_person": "Pat\u2028Morgan"}, "recipient_person"),
    ({"recipient_legal_basis": "a\x00b"}, "recipient_legal_basis"),
])
def test_a_recipient_given_in_characters_that_are_not_text_is_refused_not_a_500(
        client, api_client, investigator, partner_agency, agreement, store_reads, overrides, field):
    """A NUL in the recipient's name or legal basis was a 500 (PostgreSQL cannot store it) on the export page and the
    API; a line break went into the request unchanged. Refused naming the field, nothing entered."""
    store_reads([("7ABC123", 5, False)])
    api_client.force_authenticate(investigator)
    response = api_client.get("/api/v1/reads/export/", {**SEARCH, **_outside(partner_agency, **overrides)})
    assert response.status_code == 400, response.content
    assert response.json()["error"]["code"] == "recipient_text_invalid"
    client.force_login(investigator)
    response = client.get(reverse("reads:export"), {**SEARCH, **_outside(partner_agency, **overrides)}, follow=True)
    assert response.status_code == 200 and "not text" in response.content.decode()
    assert not DisclosureRequest.objects.exists()


def test_a_recipient_legal_basis_longer_than_a_written_requests_is_refused(api_client, investigator, partner_agency,
                                                                          agreement, store_reads):
    from apps.disclosures.services.submission import TEXT_MAX_CHARS

    store_reads([("7ABC123", 5, False)])
    api_client.force_authenticate(investigator)
    basis = "x" * (TEXT_MAX_CHARS["legal_basis"] + 1)
    response = api_client.get("/api/v1/reads/export/", {**SEARCH, **_outside(partner_agency,
                                                                               recipient_legal_basis=basis)})
    assert response.status_code == 400 and response.json()["error"]["code"] == "text_too_long"
    assert not DisclosureRequest.objects.exists()
