"""Inter-agency agreements (R-SHR-2): the one-year sunset (also in the database), the status map with one service
per edge and its audit event, the signed PDF, and the renewal review."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from apps.agreements.choices import AGREEMENT_TRANSITIONS, AgreementStatus, RenewalDecision
from apps.agreements.documents import DOCUMENT_CORRUPT_PDF, DOCUMENT_WRONG_TYPE
from apps.agreements.models import SUNSET_TOO_LATE, Agreement, add_one_year
from apps.agreements.services import drafts, lifecycle, renewals
from apps.common.errors import ApplicationError, PermissionDeniedError
from tests.agreements.helpers import active_agreement, draft_agreement, image_bytes, pdf_bytes, pdf_upload, upload
from tests.events import domain_events
from tests.factories import AgencyFactory

pytestmark = pytest.mark.django_db


def events(agreement):
    return domain_events("alprportal.agreements.agreement.", target=agreement, fields=("code", "data"))


# --- the sunset ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("start", "sunset", "ok"), [
    (date(2026, 3, 1), date(2027, 3, 1), True),
    (date(2026, 3, 1), date(2027, 3, 2), False),
    (date(2027, 3, 1), date(2028, 3, 1), True),  # a leap year in between: still "one year"
    (date(2026, 3, 1), date(2026, 3, 1), False),
    (date(2026, 3, 1), date(2026, 2, 1), False),
])
def test_the_database_refuses_a_sunset_more_than_a_year_after_the_start(partner_agency, start, sunset, ok):
    """R-SHR-2, enforced by a CheckConstraint even when code bypasses validation."""
    create = lambda: Agreement.objects.create(  # noqa: E731
        partner_agency=partner_agency, title="t", start_date=start, sunset_date=sunset)
    if ok:
        assert create().pk
    else:
        with pytest.raises(IntegrityError), transaction.atomic():
            create()


def test_the_service_explains_a_sunset_too_late(sysadmin, partner_agency):
    start = timezone.localdate()
    with pytest.raises(ValidationError) as caught:
        draft_agreement(actor=sysadmin, agency=partner_agency, start=start, days=400)
    assert caught.value.message_dict["sunset_date"] == [SUNSET_TOO_LATE.format(limit=add_one_year(start))]
    assert not Agreement.objects.exists()


# --- transitions -----------------------------------------------------------------------------------------------
def test_activation_expiry_and_their_audit_events(sysadmin, partner_agency):
    agreement = draft_agreement(actor=sysadmin, agency=partner_agency)
    assert agreement.status == AgreementStatus.DRAFT and agreement.signed_document_sha256
    lifecycle.agreement_activate(actor=sysadmin, agreement=agreement)
    agreement.refresh_from_db()
    assert agreement.status == AgreementStatus.ACTIVE and agreement.in_force_on()
    lifecycle.agreement_expire(actor=None, agreement=agreement, today=agreement.sunset_date)
    agreement.refresh_from_db()
    assert agreement.status == AgreementStatus.EXPIRED and not agreement.in_force_on(agreement.start_date)
    assert [(code, data.get("old_status"), data.get("new_status")) for code, data in events(agreement)] == [
        ("alprportal.agreements.agreement.created", None, None),
        ("alprportal.agreements.agreement.activated", "draft", "active"),
        ("alprportal.agreements.agreement.expired", "active", "expired"),
    ]


def test_terminate_needs_a_reason_and_writes_its_event(sysadmin, agreement):
    with pytest.raises(ApplicationError, match=lifecycle.REASON_REQUIRED):
        lifecycle.agreement_terminate(actor=sysadmin, agreement=agreement, reason=" ")
    lifecycle.agreement_terminate(actor=sysadmin, agreement=agreement, reason="Partner withdrew.")
    agreement.refresh_from_db()
    assert agreement.status == AgreementStatus.TERMINATED and agreement.end_reason == "Partner withdrew."
    assert events(agreement)[-1] == ("alprportal.agreements.agreement.terminated",
                                     {"old_status": "active", "new_status": "terminated",
                                      "reason": "Partner withdrew."})


@pytest.mark.parametrize("status", [AgreementStatus.RENEWED, AgreementStatus.EXPIRED, AgreementStatus.TERMINATED])
def test_ended_agreements_cannot_move(sysadmin, agreement, status):
    Agreement.objects.filter(pk=agreement.pk).update(status=status)
    assert AGREEMENT_TRANSITIONS[status] == frozenset()
    for call in (lambda: lifecycle.agreement_activate(actor=sysadmin, agreement=agreement),
                 lambda: lifecycle.agreement_terminate(actor=sysadmin, agreement=agreement, reason="x"),
                 lambda: lifecycle.agreement_expire(actor=None, agreement=agreement, today=date(2100, 1, 1)),
                 lambda: lifecycle.agreement_mark_renewal_due(actor=sysadmin, agreement=agreement, reason="x")):
        with pytest.raises(ApplicationError) as caught:
            call()
        assert caught.value.code == "illegal_transition"
    agreement.refresh_from_db()
    assert agreement.status == status


def test_activating_twice_is_refused(sysadmin, agreement):
    with pytest.raises(ApplicationError, match="it cannot become active"):
        lifecycle.agreement_activate(actor=sysadmin, agreement=agreement)


def test_an_agreement_cannot_expire_before_its_sunset(sysadmin, agreement):
    with pytest.raises(ApplicationError) as caught:
        lifecycle.agreement_expire(actor=None, agreement=agreement)
    assert caught.value.code == "before_sunset"


@pytest.mark.parametrize(("change", "code"), [
    ({"document": False}, "document_required"),
    ({"signatories": []}, "signatories_required"),
    ({"attestations": {"partner_attests_no_resharing": False}}, "attestations_required"),
])
def test_activation_needs_the_signed_pdf_signatories_and_every_term(sysadmin, partner_agency, change, code):
    agreement = draft_agreement(actor=sysadmin, agency=partner_agency, **change)
    with pytest.raises(ApplicationError) as caught:
        lifecycle.agreement_activate(actor=sysadmin, agreement=agreement)
    assert caught.value.code == code
    agreement.refresh_from_db()
    assert agreement.status == AgreementStatus.DRAFT


@pytest.mark.parametrize("fields", [{"state": "NV"}, {"government_level": "federal", "state": "DC"},
                                    {"kind": "private", "government_level": "none"},
                                    {"ag_noncompliance_flagged": True}])
def test_no_agreement_with_an_ineligible_agency(sysadmin, fields):
    agreement = draft_agreement(actor=sysadmin, agency=AgencyFactory(**fields))
    with pytest.raises(ApplicationError) as caught:
        lifecycle.agreement_activate(actor=sysadmin, agreement=agreement)
    assert caught.value.code == "partner_ineligible"


def test_one_agreement_in_force_per_partner(sysadmin, partner_agency, agreement):
    second = draft_agreement(actor=sysadmin, agency=partner_agency, title="Second")
    with pytest.raises(ApplicationError) as caught:
        lifecycle.agreement_activate(actor=sysadmin, agreement=second)
    assert caught.value.code == "other_in_force"


def test_only_drafts_are_edited_and_only_managers_manage(sysadmin, agreement, make_user):
    agreement.title = "Changed"
    with pytest.raises(ApplicationError, match="Only a draft agreement can be edited"):
        drafts.agreement_save_draft(actor=sysadmin, agreement=agreement)
    with pytest.raises(PermissionDeniedError):
        lifecycle.agreement_terminate(actor=make_user("investigator"), agreement=agreement, reason="x")


@pytest.mark.parametrize(("content", "message"), [
    (pdf_bytes()[:-300], DOCUMENT_CORRUPT_PDF.split("(")[0]),
    (b"%PDF-1.7\n" + b"garbage " * 50, DOCUMENT_CORRUPT_PDF.split("(")[0]),
    (image_bytes("PNG"), DOCUMENT_WRONG_TYPE.format(field="signed agreement", allowed="a PDF")),
])
def test_the_signed_document_must_be_a_real_pdf(sysadmin, partner_agency, content, message):
    with pytest.raises(ApplicationError) as caught:
        drafts.agreement_create(actor=sysadmin, partner_agency=partner_agency, title="t",
                                  start_date=timezone.localdate(), sunset_date=timezone.localdate() + timedelta(30),
                                  signed_document=upload(content))
    assert caught.value.message.startswith(message.format(field="signed agreement").rstrip())
    assert not Agreement.objects.exists()


# --- renewal ---------------------------------------------------------------------------------------------------
def _apply(actor, agreement):
    return renewals.agreement_renewal_apply(actor=actor, agreement=agreement, application_document=pdf_upload(),
                                            received_on=timezone.localdate(), applicant_name="Chief Ruiz")


def test_renewal_review_and_decision(custodian, sysadmin, partner_agency, agreement):
    renewal = _apply(custodian, agreement)
    agreement.refresh_from_db()
    assert agreement.status == AgreementStatus.RENEWAL_DUE and agreement.in_force_on()

    with pytest.raises(ApplicationError) as caught:
        renewals.agreement_renewal_decide(actor=custodian, renewal=renewal, approve=True)
    assert caught.value.code == "checklist_incomplete"

    renewals.agreement_renewal_record_checklist(actor=custodian, renewal=renewal, compliance_confirmed=True,
                                                ag_list_checked_on=timezone.localdate(), ag_list_partner_listed=False)
    renewal = renewals.agreement_renewal_decide(actor=custodian, renewal=renewal, approve=True, notes="Compliant.")
    agreement.refresh_from_db()
    successor = renewal.successor
    assert renewal.decision == RenewalDecision.APPROVED and renewal.decided_by == custodian
    assert renewal.ag_list_checked_by == custodian and renewal.ag_list_checked_on == timezone.localdate()
    assert agreement.status == AgreementStatus.RENEWED and not agreement.in_force_on()
    assert successor.status == AgreementStatus.ACTIVE and successor.renewal_of == agreement
    assert successor.start_date == timezone.localdate()
    assert successor.sunset_date == add_one_year(timezone.localdate())
    assert successor.signatories.count() == 2 and not successor.missing_attestations()
    assert [code for code, _ in events(agreement)][-2:] == ["alprportal.agreements.agreement.renewal_due",
                                                            "alprportal.agreements.agreement.renewed"]


def test_a_partner_found_on_the_attorney_general_list_is_not_renewed_and_stops_receiving(custodian, agreement,
                                                                                         partner_agency):
    renewal = _apply(custodian, agreement)
    renewals.agreement_renewal_record_checklist(actor=custodian, renewal=renewal, compliance_confirmed=True,
                                                ag_list_checked_on=timezone.localdate(), ag_list_partner_listed=True)
    partner_agency.refresh_from_db()
    assert partner_agency.ag_noncompliance_flagged
    with pytest.raises(ApplicationError, match="non-compliance list"):
        renewals.agreement_renewal_decide(actor=custodian, renewal=renewal, approve=True)
    renewals.agreement_renewal_decide(actor=custodian, renewal=renewal, approve=False, notes="Listed by the AG.")
    renewal.refresh_from_db()
    assert renewal.decision == RenewalDecision.REFUSED


def test_refusing_needs_a_reason_and_a_decision_is_final(custodian, agreement):
    renewal = _apply(custodian, agreement)
    with pytest.raises(ApplicationError, match=lifecycle.REASON_REQUIRED):
        renewals.agreement_renewal_decide(actor=custodian, renewal=renewal, approve=False)
    renewals.agreement_renewal_decide(actor=custodian, renewal=renewal, approve=False, notes="Late application.")
    with pytest.raises(ApplicationError, match="already decided"):
        renewals.agreement_renewal_decide(actor=custodian, renewal=renewal, approve=False, notes="again")


def test_a_renewal_cannot_be_recorded_for_an_expired_agreement(custodian, sysadmin, partner_agency):
    old = active_agreement(actor=sysadmin, agency=partner_agency, start=timezone.localdate() - timedelta(days=400))
    lifecycle.agreement_expire(actor=None, agreement=old)
    with pytest.raises(ApplicationError) as caught:
        _apply(custodian, old)
    assert caught.value.code == "renewal_not_open"
