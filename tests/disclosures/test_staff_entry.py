"""Written requests that arrived on paper or by e-mail, entered by staff with the document attached (R-SHR-9): the
document is checked (type, size) and stored with its SHA-256; whoever entered a request can never review or authorize
it — a custodian, and an administrator who holds every permission, alike; another custodian can."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.accounts.roles import Role
from apps.audit.models import DomainEvent
from apps.common.errors import ApplicationError, PermissionDeniedError
from apps.disclosures.choices import AttachmentKind, DisclosureStatus, ReceivedVia
from apps.disclosures.models import DisclosureRequest
from apps.disclosures.services import decisions, submission
from tests.agreements.helpers import pdf_bytes, upload
from tests.disclosures.conftest import request_fields

pytestmark = pytest.mark.django_db

SIGN = {"statement": "I authorize the release.", "signer_title": "Custodian of Records"}


def enter(actor, agency, **overrides):
    fields = request_fields(**overrides.pop("fields", {}))
    fields.pop("requester_attested")
    arguments = {"agency": agency, "received_via": ReceivedVia.PAPER,
                 "received_on": timezone.localdate() - timedelta(days=1),
                 "document": upload(pdf_bytes(), "letter-from-los-alamitos.pdf"), **fields, **overrides}
    return submission.disclosure_request_enter_written(actor=actor, **arguments)


def test_staff_enter_a_paper_request_with_its_document_checked_and_hashed(custodian, partner_agency, agreement):
    """R-SHR-9: the request is stored with the document as received, its SHA-256, and how and when it arrived."""
    content = pdf_bytes()
    entered = enter(custodian, partner_agency, document=upload(content, "letter.pdf"))
    entered.refresh_from_db()
    assert entered.status == DisclosureStatus.SUBMITTED and entered.agency == partner_agency
    assert entered.entered_by == custodian and entered.received_via == ReceivedVia.PAPER
    assert entered.received_on == timezone.localdate() - timedelta(days=1)
    document = entered.attachments.get()
    assert document.kind == AttachmentKind.WRITTEN_REQUEST and document.original_name == "letter.pdf"
    assert document.sha256 == hashlib.sha256(content).hexdigest() and document.size == len(content)
    assert document.file.name.startswith(f"disclosures/{entered.pk}/attachments/")  # never under its own name
    event = DomainEvent.objects.get(code="alprportal.disclosures.request.entered")
    assert event.actor == custodian and event.data["document_sha256"] == document.sha256
    assert event.data["received_via"] == "paper"


@pytest.mark.parametrize(("overrides", "code"), [
    ({"document": None}, "written_request_document_required"),
    ({"document": upload(b"MZ\x90\x00 not a pdf at all", "letter.pdf")}, "document_wrong_type"),
    ({"received_via": ReceivedVia.PORTAL}, "received_via_invalid"),
    ({"received_on": None}, "received_on_required"),
    ({"received_on": timezone.localdate() + timedelta(days=2)}, "received_on_in_future"),
])
def test_a_paper_request_without_a_real_document_or_arrival_facts_is_refused(custodian, partner_agency, overrides,
                                                                               code):
    """R-SHR-9: refused with a precise message, nothing stored."""
    with pytest.raises(ApplicationError) as raised:
        enter(custodian, partner_agency, **overrides)
    assert raised.value.code.startswith(code)
    assert not DisclosureRequest.objects.exists()


def test_a_too_large_document_is_refused(custodian, partner_agency, settings):
    """R-SHR-9: the size is checked before the document is read."""
    settings.PORTAL = {**settings.PORTAL, "DISCLOSURE_ATTACHMENT_MAX_BYTES": 1000}
    with pytest.raises(ApplicationError) as raised:
        enter(custodian, partner_agency, document=upload(pdf_bytes(pages=30), "big.pdf"))
    assert raised.value.code == "document_too_large" and not DisclosureRequest.objects.exists()


def test_only_records_staff_enter_written_requests(make_user, partner, partner_agency, deploying_agency):
    """R-SHR-9: an investigator or a partner cannot enter one; nor can anyone enter one for this agency itself."""
    for person in (make_user(Role.INVESTIGATOR), partner):
        with pytest.raises(PermissionDeniedError) as raised:
            enter(person, partner_agency)
        assert raised.value.message == submission.NOT_AN_ENTERING_STAFF_MEMBER
    with pytest.raises(ApplicationError) as raised:
        enter(make_user(Role.CUSTODIAN), deploying_agency)
    assert raised.value.message == submission.REQUESTING_AGENCY_IS_OURS


def test_the_person_who_entered_a_request_cannot_authorize_it_another_custodian_can(
        custodian, second_custodian, partner_agency, agreement, camera):
    """R-SHR-9: separation of duties at the service, for every decision; a different custodian authorizes."""
    entered = enter(custodian, partner_agency)
    for attempt in (
        lambda: decisions.disclosure_request_approve(actor=custodian, disclosure_request=entered,
                                                    signer_name="Carmen Ortiz", **SIGN),
        lambda: decisions.disclosure_request_deny(actor=custodian, disclosure_request=entered, reason="no"),
        lambda: decisions.disclosure_request_request_info(actor=custodian, disclosure_request=entered, message="?"),
    ):
        with pytest.raises(ApplicationError) as raised:
            attempt()
        assert raised.value.message == decisions.SEPARATION_OF_DUTIES
    entered.refresh_from_db()
    assert entered.status == DisclosureStatus.SUBMITTED and not entered.reviews.exists()
    approved = decisions.disclosure_request_approve(actor=second_custodian, disclosure_request=entered,
                                                   signer_name="Chris Lee", **SIGN)
    assert approved.status == DisclosureStatus.APPROVED and approved.authorization.custodian == second_custodian


def test_an_administrator_with_every_permission_who_entered_it_cannot_authorize_it(make_user, partner_agency,
                                                                                    agreement):
    """R-SHR-9: the check is on the person, not the role: a superuser who entered the request is refused too."""
    admin = make_user(Role.SYSADMIN, is_superuser=True, is_staff=True, first_name="Sam", last_name="Admin")
    entered = enter(admin, partner_agency)
    with pytest.raises(ApplicationError) as raised:
        decisions.disclosure_request_approve(actor=admin, disclosure_request=entered, signer_name="Sam Admin", **SIGN)
    assert raised.value.message == decisions.SEPARATION_OF_DUTIES
    assert DisclosureRequest.objects.get(pk=entered.pk).status == DisclosureStatus.SUBMITTED


def test_staff_enter_a_request_on_the_page_and_the_admin_refuses_their_own_authorization(
        client, custodian, second_custodian, partner_agency, agreement):
    """R-SHR-9 end to end: the entry page (document upload), the review panel, the refused self-authorization."""
    client.force_login(custodian)
    home = client.get(reverse("home")).content.decode()
    assert reverse("disclosures:enter") in home
    now = timezone.localtime()
    response = client.post(reverse("disclosures:enter"), {
        "agency": partner_agency.pk, "received_via": "email", "received_on": now.date().isoformat(),
        "document": upload(pdf_bytes(), "request-email.pdf"), "requesting_person_name": "Pat Morgan",
        "purpose": "prosecution", "case_number": "LA-2026-0199", "legal_basis": "Penal Code § 459 investigation.",
        "plates": "7ABC123", "time_from": (now - timedelta(days=5)).strftime("%Y-%m-%dT%H:%M"),
        "time_to": now.strftime("%Y-%m-%dT%H:%M"), "immigration_related": "no",
    })
    entered = DisclosureRequest.objects.get(case_number="LA-2026-0199")
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:disclosures_disclosurerequest_change", args=[entered.pk])
    page = client.get(response["Location"]).content.decode()
    assert "By e-mail" in page and "request-email.pdf" in page and "Approve and authorize" not in page
    refused = client.post(reverse("admin:disclosures_disclosurerequest_approve", args=[entered.pk]), {
        "statement": "I authorize.", "signer_name": "Carmen Ortiz", "signer_title": "Custodian", "reviewed": "on"})
    assert decisions.SEPARATION_OF_DUTIES in refused.content.decode()
    assert DisclosureRequest.objects.get(pk=entered.pk).status == DisclosureStatus.SUBMITTED

    client.force_login(second_custodian)
    page = client.get(reverse("admin:disclosures_disclosurerequest_change", args=[entered.pk])).content.decode()
    assert "Approve and authorize" in page


def test_a_page_without_the_document_says_what_is_missing(client, custodian, partner_agency):
    """R-SHR-9: the form refuses a missing document with a message, never a 500."""
    client.force_login(custodian)
    response = client.post(reverse("disclosures:enter"), {"agency": partner_agency.pk, "received_via": "paper"})
    assert response.status_code == 200 and "This field is required." in response.content.decode()
    assert not DisclosureRequest.objects.exists()


def test_staff_enter_a_written_request_through_the_api(api_client, custodian, partner, partner_agency):
    """R-SHR-9: the same through the API (multipart with the document); partners and anonymous callers are refused,
    and a missing document is a 400 with the message, never a 500."""
    now = timezone.now()
    body = {"agency": partner_agency.pk, "received_via": "email", "received_on": timezone.localdate().isoformat(),
            "requesting_person_name": "Pat Morgan", "purpose": "prosecution", "case_number": "LA-2026-0400",
            "legal_basis": "Penal Code § 459 investigation.", "plates": ["7ABC123"],
            "time_from": (now - timedelta(days=3)).isoformat(), "time_to": now.isoformat(),
            "immigration_related": False}
    url = reverse("api:disclosure-entered")
    assert api_client.post(url, {**body, "document": upload(pdf_bytes())}, format="multipart").status_code == 401
    api_client.force_authenticate(partner)
    assert api_client.post(url, {**body, "document": upload(pdf_bytes())}, format="multipart").status_code == 403
    api_client.force_authenticate(custodian)
    missing = api_client.post(url, body, format="multipart")
    assert missing.status_code == 400 and "document" in missing.json()["error"]["fields"]
    content = pdf_bytes()
    response = api_client.post(url, {**body, "document": upload(content, "request.pdf")}, format="multipart")
    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["received_via"] == "email" and data["entered_by"] == custodian.username
    assert data["document_sha256"] == hashlib.sha256(content).hexdigest()
    assert DisclosureRequest.objects.get(pk=data["id"]).entered_by == custodian


def test_the_review_alert_goes_to_the_other_custodians_not_to_the_one_who_entered_it(
        custodian, second_custodian, partner_agency, agreement, django_capture_on_commit_callbacks):
    """R-SHR-9: the alert asks for a review the person who entered the request may not do, so it asks the others."""
    from apps.notifications.models import Notification

    with django_capture_on_commit_callbacks(execute=True):
        entered = enter(custodian, partner_agency)
    alerted = set(Notification.objects.filter(title__contains=entered.reference).values_list("recipient", flat=True))
    assert alerted == {second_custodian.pk}
