"""Job title and affiliation on every account (R-ACC-5); the ALPR Administrator (R-ADM-1) and the recipients of its
alerts; the public page's titles, administrator, policy documents, public comment and figures window (R-ACC-5,
R-ADM-1, R-REP-3a, R-REP-4)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from apps.accounts.models import AlprAdministratorDesignation
from apps.accounts.roles import Role
from apps.accounts.selectors import alpr_administrator_current, alpr_administrator_recipients
from apps.accounts.services import alpr_administrator_designate, alpr_administrator_end, user_create
from apps.agencies.models import PolicyDocument, PublicComment
from apps.agencies.services import public_comment_record
from apps.common.errors import ApplicationError
from apps.notifications.models import Notification
from apps.reports.transparency import transparency_window
from tests.factories import DeployingAgencyFactory
from tests.training.test_access_gate import MINIMAL_PDF, publish

pytestmark = pytest.mark.django_db


def test_every_account_records_a_title_and_member_or_contractor(sysadmin, client):
    """R-ACC-5"""
    agency = DeployingAgencyFactory()
    with pytest.raises(ApplicationError, match="job title or designation"):
        user_create(actor=sysadmin, username="nameless", password=None, agency=agency, roles=[Role.OPERATOR])
    analyst = user_create(actor=sysadmin, username="ana", password=None, agency=agency, roles=[Role.INVESTIGATOR],
                          job_title="Crime analyst", affiliation="contractor")
    assert (analyst.job_title, analyst.get_affiliation_display()) == ("Crime analyst", "Independent contractor")

    client.force_login(sysadmin)
    add = reverse("admin:accounts_user_add")
    response = client.post(add, {"username": "no-title", "password1": "x-Very-long-pass-123",
                                 "password2": "x-Very-long-pass-123", "affiliation": "member"})
    assert response.status_code == 200 and "This field is required" in response.content.decode()
    assert "job title or designation" in client.get(add).content.decode().lower()
    changelist = client.get(reverse("admin:accounts_user_changelist")).content.decode()
    assert "Independent contractor" in changelist


def test_the_public_page_lists_the_titles_authorized(client, make_user):
    """R-ACC-5"""
    make_user(Role.INVESTIGATOR, job_title="Detective, Major Crimes")
    make_user(Role.INVESTIGATOR, job_title="Crime analyst", affiliation="contractor")
    make_user(Role.OVERSIGHT, job_title="Inspector General")  # reads reports, never uses the system's data
    gone = make_user(Role.OPERATOR, job_title="Retired deputy")
    gone.is_active = False
    gone.save()
    page = client.get(reverse("transparency:index")).content.decode()
    titles = page[page.index('id="authorized-titles"'):page.index('id="alpr-administrator"')]
    assert "Detective, Major Crimes" in titles
    assert "Crime analyst <span class=\"muted\">(independent contractor)</span>" in titles
    assert "Inspector General" not in titles and "Retired deputy" not in titles


def test_the_alpr_administrator_is_designated_with_dates_and_history(make_user, custodian):
    """R-ADM-1"""
    first = make_user(Role.SUPERVISOR, job_title="Sergeant")
    second = make_user(Role.SYSADMIN, job_title="Lieutenant")
    agency = first.agency
    today = timezone.localdate()
    alpr_administrator_designate(actor=custodian, agency=agency, person=first, title="Sergeant, ALPR unit",
                                 effective_from=today - timedelta(days=100))
    alpr_administrator_designate(actor=custodian, agency=agency, person=second, title="Lieutenant, ASAP unit",
                                 effective_from=today - timedelta(days=10))
    history = list(AlprAdministratorDesignation.objects.filter(agency=agency).order_by("effective_from"))
    assert [(d.person, d.effective_until) for d in history] == [(first, today - timedelta(days=11)), (second, None)]
    assert alpr_administrator_current(agency=agency).person == second
    assert alpr_administrator_current(agency=agency, today=today - timedelta(days=50)).person == first
    with pytest.raises(ApplicationError, match="cannot start before it"):
        alpr_administrator_designate(actor=custodian, agency=agency, person=first, title="Again",
                                     effective_from=today - timedelta(days=20))
    outsider = make_user(Role.SUPERVISOR, agency=DeployingAgencyFactory(name="Elsewhere PD", ori="CA7777777",
                                                                        is_deploying_agency=False))
    with pytest.raises(ApplicationError, match="is not a member of"):
        alpr_administrator_designate(actor=custodian, agency=agency, person=outsider, title="X",
                                     effective_from=today)


def test_alerts_go_to_the_designated_administrator_else_to_the_system_administrators(make_user, custodian):
    """R-ADM-1"""
    from apps.reads.choices import CameraKind
    from apps.reads.services.cameras import camera_create, camera_report_status, units_out_of_service_notify

    sergeant = make_user(Role.SUPERVISOR, username="sgt")
    officer = make_user(Role.OPERATOR, username="ofc", supervisor=sergeant)
    other_supervisor = make_user(Role.SUPERVISOR, username="other-sgt")
    admin_a = make_user(Role.SYSADMIN, username="admin-a")
    agency = officer.agency
    assert alpr_administrator_recipients(agency=agency) == [admin_a]  # fallback: the system administrators

    administrator = make_user(Role.SUPERVISOR, username="alpr-admin")
    alpr_administrator_designate(actor=custodian, agency=agency, person=administrator, title="Lieutenant",
                                 effective_from=timezone.localdate())
    assert alpr_administrator_recipients(agency=agency) == [administrator]

    unit = camera_create(actor=None, name="Unit 7", kind=CameraKind.MOBILE, agency=agency, assigned_officer=officer,
                         commissioned_at=timezone.now() - timedelta(days=30))
    camera_report_status(actor=officer, camera=unit, status="out_of_service", reason="Lens cracked")
    assert units_out_of_service_notify() == 2
    recipients = set(Notification.objects.filter(title="Unit 7 reported out of service")
                     .values_list("recipient__username", flat=True))
    assert recipients == {"alpr-admin", "sgt"}  # not every supervisor any more
    assert other_supervisor.username not in recipients

    alpr_administrator_end(actor=custodian, agency=agency, effective_until=timezone.localdate())
    assert alpr_administrator_recipients(agency=agency) == [administrator]  # serves through the last day
    yesterday = timezone.localdate() - timedelta(days=1)
    AlprAdministratorDesignation.objects.filter(agency=agency).update(
        effective_from=yesterday - timedelta(days=4), effective_until=yesterday)
    assert alpr_administrator_recipients(agency=agency) == [admin_a]


def test_the_public_page_names_the_administrator_and_posts_the_documents(client, make_user, custodian):
    """R-REP-3a"""
    administrator = make_user(Role.SYSADMIN, first_name="Dana", last_name="Reyes")
    alpr_administrator_designate(actor=custodian, agency=administrator.agency, person=administrator,
                                 title="Lieutenant, ASAP Unit", effective_from=timezone.localdate())
    old = publish("2025-1", days_ago=400, actor=custodian)
    current = publish("2026-1", days_ago=3, actor=custodian)
    page = client.get(reverse("transparency:index")).content.decode()
    assert "Dana Reyes" in page and "Lieutenant, ASAP Unit" in page  # R-ADM-1
    documents = page[page.index('id="policy-documents"'):page.index('id="policy"')]
    assert f"Version {current.version}" in documents and current.sha256 in documents
    assert old.sha256 in documents  # earlier version still listed
    download = client.get(reverse("transparency:policy_document", args=[current.pk]))
    assert download.status_code == 200 and download["Content-Type"] == "application/pdf"
    assert b"".join(download.streaming_content) == MINIMAL_PDF + b"2026-1"
    assert page.index('id="policy-documents"') < page.index('id="policy"')  # beside the generated summary


def test_policy_documents_are_uploaded_in_the_admin_with_the_hash_computed_by_the_server(client, custodian):
    """R-REP-3a"""
    import hashlib

    client.force_login(custodian)
    response = client.post(reverse("admin:agencies_policydocument_add"), {
        "kind": "usage_privacy", "title": "ALPR Usage and Privacy Policy", "version": "2026-2",
        "effective_on": timezone.localdate().isoformat(), "change_summary": "",
        "document": SimpleUploadedFile("p.pdf", MINIMAL_PDF, content_type="application/pdf"),
    })
    assert response.status_code == 302, response.content.decode()[:2000]
    document = PolicyDocument.objects.get(version="2026-2")
    assert document.sha256 == hashlib.sha256(MINIMAL_PDF).hexdigest() and document.uploaded_by == custodian
    response = client.post(reverse("admin:agencies_policydocument_add"), {
        "kind": "procedure", "title": "Order", "version": "1", "effective_on": timezone.localdate().isoformat(),
        "document": SimpleUploadedFile("p.pdf", b"MZ not a pdf"),
    })
    assert response.status_code == 200 and "must be a PDF" in response.content.decode()


def test_the_public_comment_is_recorded_and_linked_from_the_public_page(client, custodian):
    """R-REP-4"""
    with pytest.raises(ApplicationError, match="minutes"):
        public_comment_record(actor=custodian, governing_body="City Council", held_on=timezone.localdate())
    comment = public_comment_record(
        actor=custodian, governing_body="Board of Supervisors", held_on=timezone.localdate() - timedelta(days=2000),
        minutes_url="https://example.org/minutes", minutes_document=SimpleUploadedFile("m.pdf", MINIMAL_PDF))
    assert PublicComment.objects.count() == 1 and len(comment.minutes_sha256) == 64
    page = client.get(reverse("transparency:index")).content.decode()
    section = page[page.index('id="public-comment"'):page.index('id="current-figures"')]
    assert "Board of Supervisors" in section and "https://example.org/minutes" in section
    minutes = reverse("transparency:public_comment_minutes", args=[comment.pk])
    assert minutes in section and client.get(minutes).status_code == 200


def test_the_public_figures_window_includes_today():
    """Issue #15: the public page's figures count today's reads (a fresh installation does not show zeros)."""
    today = timezone.localdate()
    start, end = transparency_window(today=today)
    assert end == today and (end - start).days == 29
