"""Fault (issue #14, finding 6): the nightly retention job with an approved query audit in place (R-RET-4, R-AUD-1).

Audit samples refer to access-log rows. The access-log purge must never fail on that reference: the run at +3 and
+4 years (the clock stood forward, the only thing mocked) ends ``succeeded``, the sampled rows are gone from the log,
the chain still verifies, and the approved audit still reads the same (its samples keep a frozen copy).
"""

from __future__ import annotations

from datetime import timedelta
from unittest import mock

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.accounts.roles import Role
from apps.audit.models import AccessLog
from apps.audit.selectors import access_log_verify_chain
from apps.audits.choices import CampaignStatus, Finding
from apps.audits.models import AuditSample
from apps.audits.services import (
    audit_campaign_approve,
    audit_campaign_create,
    audit_campaign_submit,
    audit_sample_review,
)
from apps.reports.sections.query_audits import query_audits_aggregate
from apps.retention.choices import RunStatus
from apps.retention.models import RetentionRun
from apps.retention.tasks import retention_run_nightly
from tests.factories import DeployingAgencyFactory
from tests.reports.support import log_query

# Transactional: the reference is a deferred foreign key, checked when each purge batch commits (as in production).
pytestmark = [pytest.mark.faults, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _clocks_move_together(settings):
    """These tests move the clock years ahead as if the years had passed, but only this host's clock can be moved, not
    the database's: the guard against a host clock running ahead of the database's is off here (it is tested in
    tests/retention/test_purge_steady_state.py)."""
    settings.PORTAL = {**settings.PORTAL, "RETENTION_CLOCK_AHEAD_MAX_SECONDS": 10 * 365 * 86400}


@pytest.fixture
def approved_audit(make_user):
    agency = DeployingAgencyFactory()
    supervisor = make_user(Role.SUPERVISOR, agency=agency)
    custodian = make_user(Role.CUSTODIAN, agency=agency)
    member = make_user(Role.INVESTIGATOR, agency=agency, supervisor=supervisor)
    today = timezone.localdate()
    start = today - timedelta(days=60)
    for index in range(40):
        log_query(member, start + timedelta(days=index), case_number=f"AUD-{index:03d}", plate="5QRS321")
    campaign = audit_campaign_create(actor=supervisor, title="Annual audit", requested_size=30, seed="fixed",
                                     period_start=start, period_end=start + timedelta(days=39), today=today)
    samples = list(campaign.samples.order_by("position"))
    audit_sample_review(actor=supervisor, sample=samples[0], finding=Finding.FOLLOW_UP, notes="Ask about it")
    for sample in samples[1:]:
        audit_sample_review(actor=supervisor, sample=sample, finding=Finding.NECESSARY)
    audit_campaign_submit(actor=supervisor, campaign=campaign)
    campaign = audit_campaign_approve(actor=custodian, campaign=campaign, note="OK")
    assert campaign.status == CampaignStatus.APPROVED
    log_query(member, today, case_number="LATER-1")  # the chain head (never purged) is not a sampled row
    return {"campaign": campaign, "custodian": custodian, "supervisor": supervisor,
            "cases": set(AuditSample.objects.filter(campaign=campaign).values_list("log_case_number", flat=True))}


def _nightly_at(years: int) -> RetentionRun:
    """The nightly job through the real task (eager, in this process), with the clock ``years`` ahead."""
    moment = timezone.now() + timedelta(days=365 * years)
    with mock.patch("django.utils.timezone.now", return_value=moment):
        result = retention_run_nightly.apply().get()
    return RetentionRun.objects.get(pk=result["run_id"])


def test_the_nightly_run_succeeds_at_three_and_four_years_with_an_approved_audit(approved_audit, client):
    campaign = approved_audit["campaign"]
    sampled_seqs = set(campaign.samples.values_list("log_seq", flat=True))
    for years in (3, 4):
        run = _nightly_at(years)
        assert run.errors == [] and run.status == RunStatus.SUCCEEDED, run.errors
    assert run.counts["access_log"]["status"] == "done"
    assert not AccessLog.objects.filter(seq__in=sampled_seqs).exists()  # purged past its period
    assert access_log_verify_chain().ok
    assert not campaign.samples.filter(access_log__isnull=False).exists()  # detached, not deleted
    assert campaign.samples.count() == 30

    client.force_login(approved_audit["custodian"])
    page = client.get(reverse("audits:detail", args=[campaign.pk]))
    assert page.status_code == 200
    content = page.content.decode()
    assert all(case in content for case in approved_audit["cases"])
    # The oversight report's audit section (counts and the adverse finding) still reads from the samples.
    figures = query_audits_aggregate(campaign.period_start, campaign.period_end)
    summary = {item["key"]: item["value"] for item in figures["summary"]}
    assert summary["sampled"] == 30 and summary["found_follow_up"] == 1 and summary["found_necessary"] == 29
    findings = next(table for table in figures["tables"] if table["key"] == "findings")
    assert len(findings["rows"]) == 1 and findings["rows"][0][4] in approved_audit["cases"]
