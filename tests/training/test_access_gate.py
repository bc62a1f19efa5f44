"""The ALPR access gate beyond training: a background check to query read data (R-ACC-6), the acknowledgment of each
usage and privacy policy version (R-ACC-7), and no training banner for oversight and partner accounts."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from apps.accounts.models import BackgroundCheck
from apps.accounts.roles import Role
from apps.accounts.selectors import BACKGROUND_CHECK_MISSING
from apps.accounts.services import background_check_record
from apps.agencies.models import PolicyAcknowledgment
from apps.agencies.services import policy_acknowledge, policy_document_publish
from apps.audit.models import AccessLog, DomainEvent
from apps.common.errors import ApplicationError
from tests.conftest import ACCESS_CONTEXT

pytestmark = pytest.mark.django_db

SEARCH_PAGE = reverse("reads:search")
SEARCH_API = reverse("api:reads-search")
NON_QUERY_PAGE = reverse("audit:access_log")

MINIMAL_PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def publish(version: str, *, days_ago: int = 1, actor=None):
    return policy_document_publish(
        actor=actor, kind="usage_privacy", title="ALPR Usage and Privacy Policy", version=version,
        effective_on=timezone.localdate() - timedelta(days=days_ago),
        document=SimpleUploadedFile(f"policy-{version}.pdf", MINIMAL_PDF + version.encode()),
    )


def test_querying_reads_needs_a_recorded_background_check(client, api_client, make_user, sysadmin):
    """R-ACC-6"""
    analyst = make_user(Role.INVESTIGATOR, background_checked=False)
    client.force_login(analyst)
    response = client.get(SEARCH_PAGE)
    assert response.url == reverse("training:required")
    page = client.get(response.url).content.decode()
    assert "Querying read data requires a completed background check on record" in page
    assert "None on record." in page
    assert DomainEvent.objects.filter(code="alprportal.accounts.access.blocked", actor=analyst).exists()

    api_client.force_authenticate(analyst)
    response = api_client.get(SEARCH_API, {**ACCESS_CONTEXT, "plate": "7ABC123"})
    assert response.status_code == 403 and response.json()["error"]["message"] == BACKGROUND_CHECK_MISSING
    assert not AccessLog.objects.exists()

    supervisor_page = make_user(Role.SUPERVISOR, background_checked=False)
    client.force_login(supervisor_page)
    assert client.get(NON_QUERY_PAGE).status_code == 200  # only querying read data needs it

    check = background_check_record(actor=sysadmin, person=analyst, completed_on=timezone.localdate(),
                                    reference="BI-0042")
    assert check.recorded_by == sysadmin
    client.force_login(analyst)
    assert client.get(SEARCH_PAGE).status_code == 200
    assert api_client.get(SEARCH_API, {**ACCESS_CONTEXT, "plate": "7ABC123"}).status_code == 200


def test_a_background_check_is_never_recorded_by_oneself_or_in_the_future(sysadmin, make_user):
    """R-ACC-6"""
    with pytest.raises(ApplicationError, match="You cannot record your own background check"):
        background_check_record(actor=sysadmin, person=sysadmin, completed_on=timezone.localdate())
    other = make_user(Role.INVESTIGATOR, background_checked=False)
    with pytest.raises(ApplicationError, match="cannot be completed in the future"):
        background_check_record(actor=sysadmin, person=other, completed_on=timezone.localdate() + timedelta(days=1))
    assert not BackgroundCheck.objects.filter(person=other).exists()


def test_the_admin_refuses_recording_ones_own_background_check(client, sysadmin):
    """R-ACC-6"""
    client.force_login(sysadmin)
    response = client.post(reverse("admin:accounts_backgroundcheck_add"), {
        "person": sysadmin.pk, "completed_on": timezone.localdate().isoformat(), "reference": "", "notes": ""})
    assert response.status_code == 200 and "You cannot record your own background check" in response.content.decode()
    assert not BackgroundCheck.objects.filter(person=sysadmin, recorded_by=sysadmin).exists()


def test_the_agency_setting_turns_the_background_check_off(client, make_user):
    """R-ACC-6"""
    analyst = make_user(Role.INVESTIGATOR, background_checked=False)
    analyst.agency.background_check_required = False
    analyst.agency.save()
    client.force_login(analyst)
    assert client.get(SEARCH_PAGE).status_code == 200


def test_each_policy_version_is_acknowledged_before_touching_alpr_data(client, make_user, custodian):
    """R-ACC-7"""
    analyst = make_user(Role.INVESTIGATOR)
    client.force_login(analyst)
    assert client.get(SEARCH_PAGE).status_code == 200  # nothing posted yet: nothing to acknowledge

    first = publish("2025-1", days_ago=100, actor=custodian)
    response = client.get(SEARCH_PAGE)
    assert response.url == reverse("training:required")
    required = client.get(response.url).content.decode()
    assert "You have not acknowledged the usage and privacy policy in force" in required
    assert reverse("training:acknowledge") in required

    page = client.get(reverse("training:acknowledge")).content.decode()
    text_link = reverse("transparency:policy_document", args=[first.pk])
    assert text_link in page  # the version's text one click away
    assert client.get(text_link).status_code == 200
    client.post(reverse("training:acknowledge"), {"document": first.pk})  # without ticking the box
    assert not PolicyAcknowledgment.objects.filter(person=analyst).exists()
    assert client.post(reverse("training:acknowledge"), {"document": first.pk, "confirm": "yes"}).status_code == 302
    assert client.get(SEARCH_PAGE).status_code == 200

    second = publish("2026-1", days_ago=0, actor=custodian)
    assert client.get(SEARCH_PAGE).url == reverse("training:required")  # a new version needs a new acknowledgment
    with pytest.raises(ApplicationError, match="is not the usage and privacy policy in force"):
        policy_acknowledge(actor=analyst, document=first)
    policy_acknowledge(actor=analyst, document=second)
    assert client.get(SEARCH_PAGE).status_code == 200
    assert list(PolicyAcknowledgment.objects.filter(person=analyst).values_list("document__version", flat=True)
                .order_by("acknowledged_at")) == ["2025-1", "2026-1"]


def test_a_policy_version_is_a_real_pdf_with_a_server_computed_hash(custodian):
    """R-REP-3a"""
    import hashlib

    document = publish("2026-1", actor=custodian)
    assert document.sha256 == hashlib.sha256(MINIMAL_PDF + b"2026-1").hexdigest()
    with pytest.raises(ApplicationError, match="must be a PDF"):
        policy_document_publish(actor=custodian, kind="usage_privacy", title="X", version="1",
                                effective_on=timezone.localdate(),
                                document=SimpleUploadedFile("x.pdf", b"<html>not a pdf</html>"))
    with pytest.raises(ApplicationError, match="already posted"):
        publish("2026-1", actor=custodian)


@pytest.mark.parametrize("role", [Role.OVERSIGHT, Role.PARTNER_REQUESTER])
def test_oversight_and_partner_accounts_see_no_training_banner(client, make_user, role):
    """R-ACC-2: the training banner is for staff who touch ALPR data; oversight and partner accounts have none."""
    person = make_user(role, trained=False)
    client.force_login(person)
    home = client.get(reverse("home")).content.decode()
    assert 'id="training-status"' not in home and "initial ALPR training" not in home
    assert "My training" not in home
    staff = make_user(Role.OPERATOR, trained=False)
    client.force_login(staff)
    assert 'id="training-status"' in client.get(reverse("home")).content.decode()
