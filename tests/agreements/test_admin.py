"""Agreements in the admin: drafts through a form with a decoded PDF, buttons per transition, no deletion, the
change history (R-AUD-2), and the custodian's home page (agreements nearing sunset, renewals pending)."""

from datetime import timedelta

import pytest
from auditlog.models import LogEntry
from django.urls import reverse
from django.utils import timezone

from apps.agreements.choices import AgreementStatus, RenewalDecision
from apps.agreements.models import Agreement
from apps.agreements.services.renewals import agreement_renewal_apply
from tests.agreements.helpers import active_agreement, draft_agreement, image_bytes, pdf_bytes, pdf_upload, upload

pytestmark = pytest.mark.django_db


def _form(partner_agency, **extra):
    start = timezone.localdate()
    data = {"partner_agency": partner_agency.pk, "title": "Sharing 2026", "start_date": start.isoformat(),
            "sunset_date": (start + timedelta(days=365)).isoformat(), "notes": "",
            "signatories-TOTAL_FORMS": "0", "signatories-INITIAL_FORMS": "0",
            "renewals-TOTAL_FORMS": "0", "renewals-INITIAL_FORMS": "0"}
    data.update(extra)
    return data


def test_a_draft_is_added_through_the_admin_with_a_real_pdf(client, sysadmin, partner_agency):
    client.force_login(sysadmin)
    response = client.post(reverse("admin:agreements_agreement_add"),
                           _form(partner_agency, signed_document_upload=upload(pdf_bytes(), "signed.pdf")))
    assert response.status_code == 302, response.content.decode()[:2000]
    agreement = Agreement.objects.get()
    assert agreement.status == AgreementStatus.DRAFT and agreement.signed_document_sha256
    assert LogEntry.objects.get_for_object(agreement).exists()
    history = client.get(reverse("admin:agreements_agreement_auditlog", args=[agreement.pk]))
    assert history.status_code == 200


def test_the_admin_refuses_a_png_as_the_signed_agreement_and_a_long_sunset(client, sysadmin, partner_agency):
    client.force_login(sysadmin)
    start = timezone.localdate()
    response = client.post(reverse("admin:agreements_agreement_add"), _form(
        partner_agency, signed_document_upload=upload(image_bytes(), "scan.png", "image/png"),
        sunset_date=(start + timedelta(days=400)).isoformat()))
    assert response.status_code == 200
    text = response.content.decode()
    assert "must be a PDF" in text and "at most one year after the start" in text
    assert not Agreement.objects.exists()


def test_activate_and_terminate_buttons(client, sysadmin, partner_agency):
    agreement = draft_agreement(actor=sysadmin, agency=partner_agency)
    client.force_login(sysadmin)
    page = client.get(reverse("admin:agreements_agreement_change", args=[agreement.pk])).content.decode()
    assert reverse("admin:agreements_agreement_activate", args=[agreement.pk]) in page
    response = client.post(reverse("admin:agreements_agreement_activate", args=[agreement.pk]), {"confirm": "on"})
    assert response.status_code == 302
    agreement.refresh_from_db()
    assert agreement.status == AgreementStatus.ACTIVE
    again = client.post(reverse("admin:agreements_agreement_activate", args=[agreement.pk]), {"confirm": "on"})
    assert "it cannot become active" in again.content.decode()
    client.post(reverse("admin:agreements_agreement_terminate", args=[agreement.pk]), {"reason": "Withdrawn."})
    agreement.refresh_from_db()
    assert agreement.status == AgreementStatus.TERMINATED


def test_renewal_review_in_the_admin(client, custodian, sysadmin, partner_agency):
    agreement = active_agreement(actor=sysadmin, agency=partner_agency)
    client.force_login(custodian)
    response = client.post(reverse("admin:agreements_agreement_renewal_apply", args=[agreement.pk]), {
        "application_document": upload(pdf_bytes(), "application.pdf"), "received_on": timezone.localdate(),
        "applicant_name": "Chief Ruiz"})
    assert response.status_code == 302
    renewal = agreement.renewals.get()
    response = client.post(reverse("admin:agreements_agreement_renewal_review", args=[renewal.pk]), {
        "compliance_confirmed": "on", "ag_list_checked_on": timezone.localdate().isoformat(), "decision": "approve",
        "decision_notes": "Complies."})
    assert response.status_code == 302, response.content.decode()[-3000:]
    renewal.refresh_from_db()
    assert renewal.decision == RenewalDecision.APPROVED and renewal.ag_list_checked_by == custodian
    assert renewal.successor.status == AgreementStatus.ACTIVE


def test_agreements_are_never_deleted_in_the_admin(client, sysadmin, agreement):
    client.force_login(sysadmin)
    assert client.get(reverse("admin:agreements_agreement_delete", args=[agreement.pk])).status_code == 403


def test_the_custodians_home_lists_agreements_nearing_sunset_and_renewals_pending(client, custodian, sysadmin,
                                                                                  partner_agency):
    agreement = active_agreement(actor=sysadmin, agency=partner_agency,
                                 start=timezone.localdate() - timedelta(days=330))
    agreement_renewal_apply(actor=custodian, agreement=agreement, application_document=pdf_upload(),
                            received_on=timezone.localdate(), applicant_name="Chief Ruiz")
    client.force_login(custodian)
    page = client.get(reverse("home")).content.decode()
    assert "Agreements nearing sunset" in page and "Agreement renewals pending" in page
    assert page.count(partner_agency.name) >= 2 and "Received" in page and "Chief Ruiz" in page
