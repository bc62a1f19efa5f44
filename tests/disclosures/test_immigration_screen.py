"""SB 54 by free text (issue #14, finding 2; R-SHR-5a, R-SHR-5): a request that says "not related to civil
immigration enforcement" but whose words say otherwise follows the immigration path — it cannot be approved until
the custodian examines a judicial warrant (court, judge, date) or confirms a cited law — and the requester is told
why. A cited law must look like a citation."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.agreements.eligibility import REASON_IMMIGRATION, law_citation_valid
from apps.audit.models import DomainEvent
from apps.common.errors import ApplicationError
from apps.disclosures.choices import AttachmentKind, DisclosureStatus, ReviewAction
from apps.disclosures.immigration_screen import immigration_screen
from apps.disclosures.selectors import disclosure_request_eligibility
from apps.disclosures.services import decisions, submission
from apps.disclosures.services.decisions import (
    disclosure_request_approve,
    disclosure_request_immigration_examine,
    disclosure_request_request_info,
)
from apps.disclosures.services.submission import disclosure_request_respond
from tests.agreements.helpers import pdf_bytes, upload
from tests.disclosures.test_package import SIGN

MUST_MATCH = [
    "ICE detainer", "I.C.E.", "I. C. E.", "i.c.e", "I-C-E", "I C E hold", "civil immigration enforcement",
    "deportation", "removal proceedings", "ERO", "HSI assist", "immigration status check", "Immigration",
    "IMMIGRATION", "inmigración", "Inmigracion", "deportación", "deportar al sujeto", "deported", "DePoRtAtIoN",
    "de-portation", "d3portation", "imm1gration", "im-migration", "1CE", "ICE's request", "ice agents on scene",
    "notify ice", "ІСЕ", "Ｉ．Ｃ．Ｅ．", "I\u200bC\u200bE", "Enforcement and Removal Operations",
    "Homeland Security Investigations", "H.S.I.", "E.R.O. Los Angeles", "CBP", "Border Patrol", "Border-Patrol",
    "patrulla fronteriza", "la migra", "estatus migratorio", "alien", "illegal aliens", "undocumented",
    "indocumentado", "visa overstay", "overstayed his visa", "8 U.S.C. 1357", "8 USC § 1357(g)", "287(g)",
    "287g task force", "I-247", "Form I-247A", "I-200 warrant", "detainer", "immigration status", "removable alien",
    "expedited removal", "U.S. Immigration and Customs Enforcement", "Secure Communities", "green card holder?",
    "assist DHS ICE", "agent@ice.dhs.gov",
]
MUST_NOT_MATCH = [
    "ice cream truck stolen in a theft case", "Stolen ice cream truck, Penal Code 487", "STOLEN ICE CREAM TRUCK",
    "police", "notice", "justice", "Department of Justice", "removal of vehicle from scene", "Erin", "Hsieh",
    "Erin Hsieh", "black ice on I-405", "BLACK ICE ON ROADWAY", "snow and ice", "Hero", "zero", "Nero", "Cheryl",
    "Penal Code § 459 burglary investigation", "Vehicle Code 10851 stolen vehicle", "homicide of Alice Price",
    "I-205 northbound", "deportment of the witness", "Officer Rice", "office supplies", "service", "Beatrice",
    "Notice to appear issued for VC 22350", "criminal investigation of a hit and run", "Pat Morgan, Detective",
]


@pytest.mark.parametrize("text", MUST_MATCH)
def test_civil_immigration_indications_match_in_any_spelling(text):
    assert immigration_screen(text), text


@pytest.mark.parametrize("text", MUST_NOT_MATCH)
def test_ordinary_requests_do_not_match(text):
    assert immigration_screen(text) == [], text


def test_enough_spellings_are_tested():
    assert len(MUST_MATCH) >= 30 and len(MUST_NOT_MATCH) >= 20


@pytest.mark.parametrize(("citation", "valid"), [
    ("n/a", False), ("N/A", False), ("none", False), ("see attached", False), ("123", False), ("law", False),
    ("Gov. Code § 7284.6(a)(1)(C)", True), ("County Ordinance 2019-14, sec. 3", True), ("Penal Code 1546.1", True),
])
def test_a_cited_law_must_name_a_code_and_a_section(citation, valid):
    assert law_citation_valid(citation) is valid


# --- finding 2, through the services ----------------------------------------------------------------------------
@pytest.mark.django_db
@pytest.mark.parametrize(("field", "text"), [
    ("purpose_details", "ICE detainer on the registered owner"), ("purpose_details", "I.C.E. asked us"),
    ("purpose_details", "civil immigration enforcement"), ("legal_basis", "deportation case"),
    ("legal_basis", "removal proceedings, 8 U.S.C. 1229a"), ("purpose_details", "ERO request"),
    ("purpose_details", "HSI assist"), ("legal_basis", "immigration status check"),
])
def test_finding_2_a_request_that_says_unrelated_but_reads_immigration_cannot_be_approved(
        partner, custodian, agreement, submit, field, text):
    request = submit(partner, **{field: text})

    assert request.immigration_related is False and request.immigration_screen_terms
    assert request.on_immigration_path and request.status == DisclosureStatus.SUBMITTED
    eligibility = disclosure_request_eligibility(disclosure_request=request)
    assert not eligibility.eligible and REASON_IMMIGRATION in eligibility.reasons
    with pytest.raises(ApplicationError) as caught:
        disclosure_request_approve(actor=custodian, disclosure_request=request, **SIGN)
    assert caught.value.code == "not_eligible"
    request.refresh_from_db()
    assert request.status == DisclosureStatus.SUBMITTED
    event = DomainEvent.objects.get(code="alprportal.disclosures.request.immigration_screened")
    assert event.data["terms"] == request.immigration_screen_terms


@pytest.mark.django_db
def test_finding_2_a_law_basis_cited_as_n_a_is_refused(partner, submit):
    with pytest.raises(ApplicationError) as caught:
        submit(partner, immigration_related=True, immigration_basis="state_or_county_law",
               immigration_law_citation="n/a")
    assert caught.value.code == "immigration_citation_invalid"
    assert caught.value.message == submission.IMMIGRATION_CITATION_INVALID.format(citation="n/a")


@pytest.mark.django_db
def test_an_ordinary_request_is_not_screened(partner, custodian, agreement, submit):
    request = submit(partner, purpose_details="Stolen ice cream truck, seen near the police station; notice sent.")
    assert request.immigration_screen_terms == [] and not request.on_immigration_path
    assert disclosure_request_eligibility(disclosure_request=request).eligible


@pytest.mark.django_db
def test_a_screened_request_with_a_warrant_is_approved_once_the_custodian_examined_it(
        partner, custodian, agreement, submit):
    request = submit(partner, purpose_details="ICE detainer",
                     immigration_basis="judicial_warrant",
                     attachments=[(AttachmentKind.JUDICIAL_WARRANT, upload(pdf_bytes(), "warrant.pdf"))])
    assert not disclosure_request_eligibility(disclosure_request=request).eligible

    with pytest.raises(ApplicationError) as caught:
        disclosure_request_immigration_examine(actor=custodian, disclosure_request=request, basis="judicial_warrant",
                                               court="Superior Court of California, County of Orange", judge="")
    assert caught.value.message == decisions.WARRANT_FACTS_REQUIRED
    with pytest.raises(ApplicationError) as caught:
        disclosure_request_immigration_examine(
            actor=custodian, disclosure_request=request, basis="judicial_warrant", court="Superior Court",
            judge="Hon. A. Diaz", signed_on=timezone.localdate() + timedelta(days=3))
    assert caught.value.code == "warrant_date_in_future"
    with pytest.raises(ApplicationError):  # the requester cannot examine their own request
        disclosure_request_immigration_examine(actor=partner, disclosure_request=request, basis="judicial_warrant",
                                               court="x", judge="y", signed_on=date(2026, 1, 5))

    disclosure_request_immigration_examine(
        actor=custodian, disclosure_request=request, basis="judicial_warrant",
        court="Superior Court of California, County of Orange", judge="Hon. A. Diaz",
        signed_on=timezone.localdate() - timedelta(days=2), note="Signed by a judge; names the plate.")

    request.refresh_from_db()
    assert (request.warrant_court, request.warrant_judge, request.immigration_examined_by) == (
        "Superior Court of California, County of Orange", "Hon. A. Diaz", custodian)
    assert request.reviews.filter(action=ReviewAction.IMMIGRATION_EXAMINED).count() == 1
    assert disclosure_request_eligibility(disclosure_request=request).eligible
    disclosure_request_approve(actor=custodian, disclosure_request=request, **SIGN)
    request.refresh_from_db()
    assert request.status == DisclosureStatus.APPROVED


@pytest.mark.django_db
def test_a_warrant_cannot_be_examined_when_none_is_attached(partner, custodian, agreement, submit):
    request = submit(partner, purpose_details="HSI assist")
    with pytest.raises(ApplicationError) as caught:
        disclosure_request_immigration_examine(actor=custodian, disclosure_request=request, basis="judicial_warrant",
                                               court="c", judge="j", signed_on=date(2026, 1, 5))
    assert caught.value.message == decisions.WARRANT_NOT_ATTACHED


@pytest.mark.django_db
def test_a_cited_law_the_custodian_confirms_opens_the_path(partner, custodian, agreement, submit):
    request = submit(partner, immigration_related=True, immigration_basis="state_or_county_law",
                     immigration_law_citation="Gov. Code § 7284.6(a)(1)(C)")
    assert not disclosure_request_eligibility(disclosure_request=request).eligible
    disclosure_request_immigration_examine(actor=custodian, disclosure_request=request, basis="state_or_county_law",
                                           note="The cited law requires it here.")
    request.refresh_from_db()
    assert disclosure_request_eligibility(disclosure_request=request).eligible


@pytest.mark.django_db
def test_an_answer_added_later_is_screened_too(partner, custodian, agreement, submit):
    request = submit(partner)
    assert request.immigration_screen_terms == []
    disclosure_request_request_info(actor=custodian, disclosure_request=request, message="Who will use the data?")
    disclosure_request_respond(actor=partner, disclosure_request=request,
                               message="Our task force partner from E.R.O. will run the deportation case.")
    request.refresh_from_db()
    assert set(request.immigration_screen_terms) >= {"ERO (Enforcement and Removal Operations)", "deportation"}
    assert not disclosure_request_eligibility(disclosure_request=request).eligible
    event = DomainEvent.objects.get(code="alprportal.disclosures.request.immigration_screened")
    assert event.data["source"].startswith("response")


# --- the pages and the API tell the requester why; the custodian sees it first ----------------------------------
@pytest.mark.django_db
def test_the_requester_is_told_why_on_the_page_and_in_the_api(client, api_client, partner, agreement, submit):
    request = submit(partner, purpose_details="ICE detainer; immigration status check")
    client.force_login(partner)
    page = client.get(reverse("disclosures:detail", args=[request.pk])).content.decode()
    assert 'id="immigration-screening"' in page and "ICE (Immigration and Customs Enforcement)" in page
    assert "judicial warrant" in page
    api_client.force_authenticate(partner)
    body = api_client.get(reverse("api:disclosure-request-detail", args=[request.pk])).json()
    assert body["immigration_screen_terms"] == request.immigration_screen_terms
    assert body["immigration_screening"] == submission.disclosure_request_screening_message(request)


@pytest.mark.django_db
def test_the_custodian_admin_page_shows_the_screening_and_examines_the_warrant(client, partner, custodian, agreement,
                                                                               submit):
    request = submit(partner, purpose_details="I.C.E. detainer", immigration_basis="judicial_warrant",
                     attachments=[(AttachmentKind.JUDICIAL_WARRANT, upload(pdf_bytes(), "warrant.pdf"))])
    client.force_login(custodian)
    url = reverse("admin:disclosures_disclosurerequest_change", args=[request.pk])
    page = client.get(url).content.decode()
    assert 'id="immigration-screening"' in page and "ICE (Immigration and Customs Enforcement)" in page
    examine = reverse("admin:disclosures_disclosurerequest_examine_immigration", args=[request.pk])
    assert examine in page
    response = client.post(examine, {"basis": "judicial_warrant", "court": "Superior Court, Orange County",
                                     "judge": "", "signed_on": "2026-01-05"})
    assert response.status_code == 200 and decisions.WARRANT_FACTS_REQUIRED in response.content.decode()
    response = client.post(examine, {"basis": "judicial_warrant", "court": "Superior Court, Orange County",
                                     "judge": "Hon. A. Diaz",
                                     "signed_on": (timezone.localdate() - timedelta(days=1)).isoformat()},
                           follow=True)
    page = response.content.decode()
    assert "Hon. A. Diaz" in page
    request.refresh_from_db()
    assert request.immigration_examined_by == custodian


@pytest.mark.django_db
def test_the_oversight_report_counts_the_screened_requests(partner, agreement, submit):
    from apps.reports.sections import section_get

    submit(partner, purpose_details="HSI assist")
    submit(partner, purpose_details="Stolen ice cream truck")
    submit(partner, legal_basis="Penal Code 459; ICE detainer")
    today = timezone.localdate()
    figures = section_get("disclosures").collect(today - timedelta(days=1), today + timedelta(days=1))
    summary = {item["key"]: item["value"] for item in figures["summary"]}
    assert summary["immigration_screened"] == 2 and summary["disclosures_received"] == 3


@pytest.mark.django_db
def test_the_request_page_says_so_as_soon_as_it_is_filed(client, partner):
    from tests.disclosures.test_submit import _post_data

    client.force_login(partner)
    response = client.post(reverse("disclosures:create"), _post_data(purpose_details="HSI assist, removal proceedings"),
                           follow=True)
    page = response.content.decode()
    assert "was submitted to the custodian" in page and "point to civil immigration enforcement" in page
    assert "HSI (Homeland Security Investigations)" in page
