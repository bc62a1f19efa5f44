"""Audit pages: auditors see the sampled entries (and that viewing is logged), hidden campaigns are 404, oversight
sees summaries without names (R-AUD-3, R-ACC-1)."""

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.accounts.roles import Role
from apps.audit.models import AccessLog
from apps.audits.choices import Finding
from apps.audits.models import AuditCampaign
from apps.audits.services import (
    audit_campaign_approve,
    audit_campaign_create,
    audit_campaign_submit,
    audit_sample_review,
)
from tests.reports.support import days, log_query

H1 = {"period_start": date(2026, 1, 1), "period_end": date(2026, 6, 30), "today": date(2026, 7, 15)}


@pytest.fixture
def campaign(make_user, supervisor):
    member = make_user(Role.INVESTIGATOR, supervisor=supervisor, first_name="Ivy", last_name="Nguyen")
    for index, day in enumerate(days(date(2026, 1, 10), 35, step=4)):
        log_query(member, day, case_number=f"CASE-{index:03d}", plate="8XYZ789")
    return audit_campaign_create(actor=supervisor, title="Team audit", requested_size=30, seed="v", **H1)


def test_the_auditor_sees_the_sampled_entries_and_the_view_is_logged(client, supervisor, campaign):
    client.force_login(supervisor)
    response = client.get(reverse("audits:detail", args=[campaign.pk]))
    assert response.status_code == 200
    sampled_cases = set(campaign.samples.values_list("access_log__case_number", flat=True))
    content = response.content.decode()
    assert all(case in content for case in sampled_cases)
    unsampled = AccessLog.objects.filter(action="reads.search").exclude(case_number__in=sampled_cases)
    assert unsampled.exists() and not any(row.case_number in content for row in unsampled)
    log = AccessLog.objects.get(action="audits.campaign.review")
    assert log.case_number == campaign.reference and log.purpose == "oversight_audit" and log.result_count == 30


def test_a_finding_is_recorded_through_the_page(client, supervisor, campaign):
    client.force_login(supervisor)
    sample = campaign.samples.order_by("position").first()
    response = client.post(reverse("audits:review", args=[campaign.pk, sample.pk]),
                           {f"s{sample.pk}-finding": Finding.FOLLOW_UP, f"s{sample.pk}-notes": "Ask the detective"})
    assert response.status_code == 302
    sample.refresh_from_db()
    assert sample.finding == Finding.FOLLOW_UP and sample.reviewed_by == supervisor


def test_campaigns_of_another_supervisor_are_hidden(client, make_user, campaign):
    other = make_user(Role.SUPERVISOR)
    client.force_login(other)
    assert client.get(reverse("audits:detail", args=[campaign.pk])).status_code == 404
    sample = campaign.samples.first()
    response = client.post(reverse("audits:review", args=[campaign.pk, sample.pk]),
                           {f"s{sample.pk}-finding": Finding.NECESSARY})
    assert response.status_code == 404


def test_oversight_reads_summaries_without_names_cases_or_plates(client, supervisor, custodian, oversight_user,
                                                                   campaign):
    for sample in campaign.samples.all():
        audit_sample_review(actor=supervisor, sample=sample, finding=Finding.NECESSARY)
    audit_campaign_submit(actor=supervisor, campaign=campaign)
    audit_campaign_approve(actor=custodian, campaign=AuditCampaign.objects.get(pk=campaign.pk))

    client.force_login(oversight_user)
    response = client.get(reverse("audits:summaries"))
    content = response.content.decode()
    assert response.status_code == 200 and campaign.reference in content
    for secret in ("Nguyen", "CASE-0", "8XYZ789", supervisor.last_name):
        assert secret not in content
    assert client.get(reverse("audits:detail", args=[campaign.pk])).status_code == 403


def test_a_lapsed_auditor_is_stopped_by_the_training_gate(client, supervisor, campaign):
    from apps.training.models import TrainingRecord

    # The refresher lapsed: completed 500 days ago (one interval is 365 days).
    TrainingRecord.objects.filter(person=supervisor).update(completed_on=timezone.localdate() - timedelta(days=500))
    client.force_login(supervisor)
    response = client.get(reverse("audits:detail", args=[campaign.pk]))
    assert response.status_code == 302 and response["Location"] == reverse("training:required")
    assert not AccessLog.objects.filter(action="audits.campaign.review").exists()


def test_submit_approve_and_resolve_through_the_pages(client, supervisor, custodian, campaign):
    samples = list(campaign.samples.order_by("position"))
    for sample in samples[1:]:
        audit_sample_review(actor=supervisor, sample=sample, finding=Finding.NECESSARY)
    audit_sample_review(actor=supervisor, sample=samples[0], finding=Finding.FOLLOW_UP, notes="Ask")
    client.force_login(supervisor)
    client.post(reverse("audits:submit", args=[campaign.pk]))
    assert client.post(reverse("audits:approve", args=[campaign.pk])).status_code == 403  # no approve permission
    client.force_login(custodian)
    client.post(reverse("audits:approve", args=[campaign.pk]), {"reason": "Fine"})
    campaign.refresh_from_db()
    assert campaign.status == "approved" and campaign.approval_note == "Fine"

    client.force_login(supervisor)
    assert "Ask" in client.get(reverse("audits:follow_ups")).content.decode()
    client.post(reverse("audits:resolve", args=[samples[0].pk]), {"reason": "Spoke with the detective"})
    samples[0].refresh_from_db()
    assert samples[0].follow_up_resolution == "Spoke with the detective"
