"""The partner API (R-SHR-3, R-ACC-4): same rules as the pages — 401/403 without permission, 404 for another
agency's request, refusals in the portal's error body, and never a count of reads for an ineligible requester."""

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.accounts.roles import Role
from apps.disclosures.models import DisclosureRequest
from apps.disclosures.services import submission
from apps.disclosures.services.decisions import disclosure_request_close_ineligible
from tests.agreements.helpers import image_bytes, pdf_bytes, upload
from tests.factories import AgencyFactory

pytestmark = pytest.mark.django_db


def _body(**overrides):
    now = timezone.now()
    body = {"requesting_person_name": "Pat Morgan", "purpose": "wanted_persons", "case_number": "API-1",
            "legal_basis": "Arrest warrant 26-1234.", "plates": ["7ABC123", "8XY*"],
            "time_from": (now - timezone.timedelta(days=5)).isoformat(), "time_to": now.isoformat(),
            "immigration_related": False, "requester_attested": True}
    body.update(overrides)
    return body


def test_anonymous_and_other_roles_are_refused(api_client, make_user):
    url = reverse("api:disclosure-requests")
    assert api_client.get(url).status_code == 401
    api_client.force_authenticate(make_user(Role.INVESTIGATOR))
    assert api_client.get(url).status_code == 403
    assert api_client.post(url, _body(), format="json").status_code == 403


def test_a_partner_files_and_follows_its_own_agencys_requests(api_client, partner, other_partner, submit):
    others = submit(other_partner)
    api_client.force_authenticate(partner)
    created = api_client.post(reverse("api:disclosure-requests"), _body(), format="json")
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["agency"] == partner.agency.name and body["status"] == "submitted" and body["package"] is None
    assert body["plates"] == ["7ABC123", "8XY*"]
    listing = api_client.get(reverse("api:disclosure-requests")).json()
    assert [row["id"] for row in listing["results"]] == [body["id"]]
    assert api_client.get(reverse("api:disclosure-request-detail", args=[body["id"]])).status_code == 200
    assert api_client.get(reverse("api:disclosure-request-detail", args=[others.pk])).status_code == 404
    assert api_client.post(reverse("api:disclosure-request-respond", args=[others.pk]), {"message": "x"},
                           format="json").status_code == 404
    assert api_client.get(reverse("api:disclosure-package-download", args=[others.pk])).status_code == 404


def test_multipart_with_a_warrant_for_an_immigration_related_request(api_client, partner):
    api_client.force_authenticate(partner)
    body = _body(immigration_related=True, immigration_basis="judicial_warrant", plates="7ABC123",
                 judicial_warrant=upload(pdf_bytes(), "warrant.pdf"))
    response = api_client.post(reverse("api:disclosure-requests"), body, format="multipart")
    assert response.status_code == 201, response.json()
    assert DisclosureRequest.objects.get().attachments.get().kind == "judicial_warrant"


@pytest.mark.parametrize(("overrides", "status", "code"), [
    ({"purpose": "civil_immigration_enforcement"}, 400, "invalid"),
    ({"case_number": ""}, 400, "invalid"),
    ({"case_number": "LA-2026\r\n0142"}, 400, "case_number_characters"),
    ({"immigration_related": True}, 400, "immigration_refused"),
    ({"time_from": "2020-01-01T00:00:00Z"}, 400, "time_range_beyond_retention"),
])
def test_bad_input_gets_the_portal_error_body(api_client, partner, overrides, status, code):
    api_client.force_authenticate(partner)
    response = api_client.post(reverse("api:disclosure-requests"), _body(**overrides), format="json")
    assert response.status_code == status
    assert response.json()["error"]["code"] == code
    assert not DisclosureRequest.objects.exists()


def test_filing_for_another_agency_is_refused(api_client, partner, other_agency):
    api_client.force_authenticate(partner)
    response = api_client.post(reverse("api:disclosure-requests"), _body(agency=other_agency.pk), format="json")
    assert response.status_code == 400
    assert response.json()["error"]["message"] == submission.OWN_AGENCY_ONLY.format(agency=partner.agency)
    assert not DisclosureRequest.objects.exists()


def test_a_corrupt_attachment_is_refused(api_client, partner):
    api_client.force_authenticate(partner)
    body = _body(plates="7ABC123", court_order=upload(image_bytes("PNG")[:-30], "order.png", "image/png"))
    response = api_client.post(reverse("api:disclosure-requests"), body, format="multipart")
    assert response.status_code == 400 and response.json()["error"]["code"] == "document_corrupt"


def test_an_ineligible_requester_gets_closed_and_the_legal_reason(api_client, make_user, custodian, submit):
    reno = AgencyFactory(name="Reno Police Department", state="NV", ori="NV0160200")
    requester = make_user(Role.PARTNER_REQUESTER, agency=reno)
    request = submit(requester)
    disclosure_request_close_ineligible(actor=custodian, disclosure_request=request)
    api_client.force_authenticate(requester)
    body = api_client.get(reverse("api:disclosure-request-detail", args=[request.pk])).json()
    assert body["status"] == "closed" and body["status_label"] == "Closed"
    assert "not a California agency" in body["reason"]
    assert body["package"] is None and "count" not in str(body)


def test_the_schema_documents_the_routes(api_client, partner):
    api_client.force_authenticate(partner)
    paths = api_client.get(reverse("api-schema"), {"format": "json"}).json()["paths"]
    assert "/api/v1/disclosures/requests/" in paths and "/api/v1/disclosures/requests/{id}/package/" in paths


def test_a_legal_basis_over_its_limit_is_refused_naming_the_field(api_client, partner):
    """Security test of 2026-12: a 5 MB legal basis was accepted. Such a body is now over the API's body limit (413,
    not read); a shorter one over the field's limit is a field error."""
    api_client.force_authenticate(partner)
    url = reverse("api:disclosure-requests")
    response = api_client.post(url, _body(legal_basis="x" * 5_000_000), format="json")
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "body_too_large"
    response = api_client.post(url, _body(legal_basis="x" * 4001), format="json")
    assert response.status_code == 400
    too_long = "Ensure this field has no more than 4000 characters."
    assert response.json()["error"]["fields"] == {"legal_basis": [too_long]}
    assert not DisclosureRequest.objects.exists()
    assert api_client.post(url, _body(legal_basis="x" * 4000), format="json").status_code == 201


def test_an_answer_over_its_limit_is_refused(api_client, partner, custodian, submit):
    from apps.disclosures.services.decisions import disclosure_request_request_info

    request = submit(partner)
    disclosure_request_request_info(actor=custodian, disclosure_request=request, message="Which case is it?")
    api_client.force_authenticate(partner)
    url = reverse("api:disclosure-request-respond", args=[request.pk])
    response = api_client.post(url, {"message": "x" * 4001}, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"message": ["Ensure this field has no more than 4000 characters."]}
    request.refresh_from_db()
    assert request.status == "info_requested" and not request.info_responses.exists()
    with pytest.raises(submission.ApplicationError) as caught:
        submission.disclosure_request_respond(actor=partner, disclosure_request=request, message="x" * 4001)
    assert caught.value.message == submission.TEXT_TOO_LONG.format(label="Your answer", length=4001, limit=4000)
