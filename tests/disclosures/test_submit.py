"""Written requests from partner agencies (R-SHR-3): the agency from the account, the required fields, R-PURP,
the immigration attestation (R-SHR-5), validated attachments — and bad input refused with nothing changed."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from guardian.shortcuts import get_perms

from apps.agreements.documents import DOCUMENT_TOO_LARGE, DOCUMENT_WRONG_TYPE
from apps.audit.models import DomainEvent
from apps.common.errors import ApplicationError, PermissionDeniedError
from apps.disclosures.choices import AttachmentKind, DisclosureStatus
from apps.disclosures.models import DisclosureAttachment, DisclosureRequest
from apps.disclosures.permissions import agency_group
from apps.disclosures.services import submission
from apps.notifications.models import Notification
from tests.agreements.helpers import image_bytes, pdf_bytes, upload
from tests.disclosures.conftest import request_fields

pytestmark = pytest.mark.django_db


def test_a_partner_files_a_request_for_its_own_agency(partner, partner_agency, custodian, agreement, submit,
                                                      django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        request = submit(partner, plates=["7abc 123", "8XY?7*"],
                         attachments=[(AttachmentKind.COURT_ORDER, upload(pdf_bytes(), "order.pdf"))])
    assert request.status == DisclosureStatus.SUBMITTED
    assert request.agency == partner_agency and request.submitted_by == partner and request.entered_by == partner
    assert request.plates == ["7ABC123", "8XY?7*"] and request.agreement == agreement
    attachment = request.attachments.get()
    assert attachment.kind == AttachmentKind.COURT_ORDER and attachment.content_type == "application/pdf"
    assert "view_disclosurerequest" in get_perms(agency_group(partner_agency.pk), request)
    event = DomainEvent.objects.get(code="alprportal.disclosures.request.submitted")
    assert event.data["new_status"] == "submitted" and event.actor == partner
    assert Notification.objects.filter(recipient=custodian, title=f"New disclosure request {request.reference}")


def test_an_immigration_related_request_with_its_warrant_is_accepted(partner, submit):
    request = submit(partner, immigration_related=True, immigration_basis="judicial_warrant",
                     attachments=[(AttachmentKind.JUDICIAL_WARRANT, upload(image_bytes("JPEG"), "warrant.jpg",
                                                                           "image/jpeg"))])
    assert request.attachments.get().kind == AttachmentKind.JUDICIAL_WARRANT


def test_an_immigration_related_request_citing_a_law_is_accepted(partner, submit):
    request = submit(partner, immigration_related=True, immigration_basis="state_or_county_law",
                     immigration_law_citation="Gov. Code § 7284.6(b)")
    assert request.immigration_law_citation


@pytest.mark.parametrize(("overrides", "code"), [
    ({"requesting_person_name": " "}, "field_required"),
    ({"case_number": ""}, "field_required"),
    # R-AUD-1a: the custodian's review is logged under the request's case number, so the access log's check of its
    # characters applies when it is filed.
    ({"case_number": 'LA-2026-0142"; x'}, "case_number_characters"),
    ({"case_number": "LA-2026\n0142"}, "case_number_characters"),
    ({"legal_basis": ""}, "field_required"),
    ({"purpose": "civil_immigration_enforcement"}, "purpose_not_authorized"),
    ({"purpose": ""}, "field_required"),
    ({"immigration_related": True}, "immigration_refused"),
    ({"immigration_related": True, "immigration_basis": "judicial_warrant"}, "immigration_warrant_missing"),
    ({"immigration_related": True, "immigration_basis": "state_or_county_law"}, "immigration_citation_missing"),
    ({"immigration_basis": "judicial_warrant"}, "immigration_basis_unrelated"),
    ({"requester_attested": False}, "attestation_required"),
    ({"plates": []}, "plates_or_area_required"),
    ({"plates": ["7*"]}, "pattern_too_vague"),
    ({"area_latitude": 33.7}, "area_incomplete"),
    ({"time_to": timezone.now() - timedelta(days=20)}, "time_range_invalid"),
    ({"time_from": timezone.now() - timedelta(days=800)}, "time_range_beyond_retention"),
    ({"plates": ["7AB?12*"], "time_from": timezone.now() - timedelta(days=200)}, "time_range_too_long"),
    ({"attachments": [(AttachmentKind.COURT_ORDER, upload(pdf_bytes()[:-200], "order.pdf"))]}, "document_corrupt"),
    ({"attachments": [(AttachmentKind.COURT_ORDER, upload(image_bytes("JPEG")[:-40], "x.jpg"))]},
     "document_corrupt"),
    ({"attachments": [(AttachmentKind.COURT_ORDER, upload(b"MZ\x90\x00 not a document", "x.pdf"))]},
     "document_wrong_type"),
])
def test_bad_input_is_refused_and_nothing_changes(partner, submit, overrides, code):
    with pytest.raises(ApplicationError) as caught:
        submit(partner, **overrides)
    assert caught.value.code == code
    assert caught.value.message
    assert not DisclosureRequest.objects.exists() and not DisclosureAttachment.objects.exists()
    assert not DomainEvent.objects.filter(code__startswith="alprportal.disclosures").exists()


def test_the_messages_say_what_is_wrong(partner, submit, settings):
    with pytest.raises(ApplicationError) as caught:
        submit(partner, purpose="civil_immigration_enforcement")
    assert caught.value.message == submission.PURPOSE_NOT_AUTHORIZED.format(purpose="civil_immigration_enforcement")
    with pytest.raises(ApplicationError) as caught:
        submit(partner, immigration_related=True)
    assert caught.value.message == submission.IMMIGRATION_REFUSED
    settings.PORTAL = {**settings.PORTAL, "DISCLOSURE_ATTACHMENT_MAX_BYTES": 1000}
    with pytest.raises(ApplicationError) as caught:
        submit(partner, attachments=[(AttachmentKind.SUPPORTING, upload(pdf_bytes(pages=30)))])
    assert caught.value.message.startswith(DOCUMENT_TOO_LARGE.split("{size")[0].format(field="supporting document"))


def test_filing_for_another_agency_is_refused(partner, other_agency, submit):
    with pytest.raises(ApplicationError) as caught:
        submit(partner, agency=other_agency)
    assert caught.value.message == submission.OWN_AGENCY_ONLY.format(agency=partner.agency)
    assert not DisclosureRequest.objects.exists()


@pytest.mark.parametrize("role", ["investigator", "custodian", "sysadmin", "oversight"])
def test_only_partner_requesters_file(make_user, submit, role):
    with pytest.raises(PermissionDeniedError):
        submit(make_user(role))


# --- the page --------------------------------------------------------------------------------------------------
def _post_data(**overrides):
    fields = request_fields()
    data = {**{k: v for k, v in fields.items() if k not in ("plates", "time_from", "time_to",
                                                              "immigration_related", "requester_attested")},
            "plates": "7ABC123", "time_from": timezone.localtime(fields["time_from"]).strftime("%Y-%m-%dT%H:%M"),
            "time_to": timezone.localtime(fields["time_to"]).strftime("%Y-%m-%dT%H:%M"),
            "immigration_related": "no", "requester_attested": "on"}
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def test_the_page_files_a_request(client, partner, partner_agency):
    client.force_login(partner)
    page = client.get(reverse("disclosures:create")).content.decode()
    assert partner_agency.name in page and 'name="agency"' not in page
    response = client.post(reverse("disclosures:create"), _post_data())
    request = DisclosureRequest.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("disclosures:detail", args=[request.pk])


@pytest.mark.parametrize(("overrides", "message"), [
    ({"case_number": None}, "This field is required."),
    ({"purpose": "civil_immigration_enforcement"}, "Select a valid choice."),
    ({"immigration_related": "yes"}, submission.IMMIGRATION_REFUSED),
    ({"time_from": "2019-01-01T00:00"}, "Reads are kept 730 days"),
])
def test_the_page_refuses_bad_input_with_a_clear_message(client, partner, overrides, message):
    client.force_login(partner)
    response = client.post(reverse("disclosures:create"), _post_data(**overrides))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not DisclosureRequest.objects.exists()


def test_the_page_refuses_a_corrupt_attachment(client, partner):
    client.force_login(partner)
    response = client.post(reverse("disclosures:create"),
                           _post_data(court_order=upload(b"%PDF-1.4 truncated", "order.pdf")))
    assert "court order is not a readable PDF" in response.content.decode()
    assert not DisclosureRequest.objects.exists()


def test_the_page_refuses_to_file_for_another_agency(client, partner, other_agency):
    client.force_login(partner)
    response = client.post(reverse("disclosures:create"), _post_data(agency=str(other_agency.pk)))
    assert "only for your own agency" in response.content.decode()
    assert not DisclosureRequest.objects.exists()


def test_wrong_type_message(partner, submit):
    with pytest.raises(ApplicationError) as caught:
        submit(partner, attachments=[(AttachmentKind.COURT_ORDER, upload(b"GIF89a....", "x.gif"))])
    assert caught.value.message == DOCUMENT_WRONG_TYPE.format(field="court order",
                                                              allowed="a PDF, a JPEG image or a PNG image")


@pytest.mark.parametrize(("field", "label", "limit"), [
    ("legal_basis", "The legal basis", 4000),
    ("purpose_details", "The intended use", 4000),
    ("immigration_law_citation", "The law cited", 1000),
])
def test_free_text_over_its_limit_is_refused_naming_the_field(partner, submit, field, label, limit):
    """Security test of 2026-12: a 5 MB legal basis was accepted and stored. The free text of a request is a
    paragraph or a citation; longer material is attached."""
    overrides = {field: "x" * (limit + 1)}
    if field == "immigration_law_citation":
        overrides.update(immigration_related=True, immigration_basis="state_or_county_law")
    with pytest.raises(ApplicationError) as caught:
        submit(partner, **overrides)
    assert (caught.value.code, caught.value.extra) == ("text_too_long", {"field": field})
    assert caught.value.message == submission.TEXT_TOO_LONG.format(label=label, length=limit + 1, limit=limit)
    assert not DisclosureRequest.objects.exists()
    assert submit(partner, legal_basis="x" * 4000).legal_basis == "x" * 4000  # at the limit: accepted


def test_the_page_refuses_a_legal_basis_over_its_limit_and_keeps_the_form(client, partner):
    client.force_login(partner)
    response = client.post(reverse("disclosures:create"), _post_data(legal_basis="x" * 4001))
    assert response.status_code == 200
    assert "Ensure this value has at most 4000 characters (it has 4001)." in response.content.decode()
    assert not DisclosureRequest.objects.exists()
