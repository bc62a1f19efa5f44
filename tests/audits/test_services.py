"""Query-audit campaigns (R-AUD-3): scope, findings, follow-ups to the supervisor, submission and approval."""

from datetime import date

import pytest

from apps.accounts.roles import Role
from apps.audit.models import DomainEvent
from apps.audits.choices import CampaignStatus, Finding
from apps.audits.services import (
    CAMPAIGN_NOT_IN_REVIEW,
    CANNOT_APPROVE_OWN,
    EMPTY_POPULATION,
    ILLEGAL_TRANSITION,
    NOT_AN_APPROVER,
    NOTES_REQUIRED,
    OWN_QUERY,
    PENDING_SAMPLES,
    PERIOD_NOT_CLOSED,
    audit_campaign_approve,
    audit_campaign_create,
    audit_campaign_return,
    audit_campaign_submit,
    audit_follow_up_resolve,
    audit_sample_review,
)
from apps.common.errors import ApplicationError, PermissionDeniedError
from apps.notifications.models import Notification
from tests.events import domain_events
from tests.reports.support import days, log_query

TODAY = date(2026, 7, 15)
H1 = {"period_start": date(2026, 1, 1), "period_end": date(2026, 6, 30), "today": TODAY}


@pytest.fixture
def team(make_user, supervisor):
    members = [make_user(Role.INVESTIGATOR, supervisor=supervisor) for _ in range(2)]
    outsider = make_user(Role.INVESTIGATOR)
    for index, day in enumerate(days(date(2026, 1, 10), 45, step=3)):
        log_query(members[index % 2], day, case_number=f"T-{index}")
        log_query(outsider, day, case_number=f"O-{index}")
    log_query(supervisor, date(2026, 3, 3), case_number="SUP-1")
    return {"members": members, "outsider": outsider}


def _campaign(actor, **extra):
    return audit_campaign_create(actor=actor, title="Audit", **{"requested_size": 30, "seed": "fixed", **H1, **extra})


def test_a_supervisor_audits_their_team_only_and_never_their_own_queries(team, supervisor):
    campaign = _campaign(supervisor)
    queried = set(campaign.samples.values_list("access_log__user", flat=True))
    assert queried <= {p.pk for p in team["members"]}
    assert campaign.population_size == 45 and campaign.scope_supervisor == supervisor
    event = DomainEvent.objects.get(code="alprportal.audits.campaign.created")
    assert event.data["seed"] == "fixed" and event.data["sample"] == 30


def test_the_custodian_audits_everyone_but_themselves(team, custodian):
    campaign = _campaign(custodian, requested_size=91)
    assert campaign.population_size == 91 and campaign.sample_size == 91  # 45 + 45 + the supervisor's one


def test_an_open_period_or_an_empty_population_is_refused(team, supervisor, custodian):
    with pytest.raises(ApplicationError) as error:
        _campaign(supervisor, period_end=TODAY)
    assert error.value.message == PERIOD_NOT_CLOSED
    with pytest.raises(ApplicationError) as error:
        _campaign(supervisor, period_start=date(2025, 1, 1), period_end=date(2025, 6, 30))
    assert error.value.message == EMPTY_POPULATION


def test_people_without_the_auditor_capability_cannot_run_audits(team, investigator, oversight_user):
    for person in (investigator, oversight_user):
        with pytest.raises(PermissionDeniedError):
            _campaign(person)


def test_findings_follow_ups_and_approval(team, supervisor, custodian):
    campaign = _campaign(supervisor)
    samples = list(campaign.samples.order_by("position"))

    with pytest.raises(ApplicationError) as error:
        audit_sample_review(actor=supervisor, sample=samples[0], finding=Finding.NOT_NECESSARY, notes="  ")
    assert error.value.message == NOTES_REQUIRED

    audit_sample_review(actor=supervisor, sample=samples[0], finding=Finding.NOT_NECESSARY, notes="Closed case")
    follow_up = audit_sample_review(actor=supervisor, sample=samples[1], finding=Finding.FOLLOW_UP, notes="Ask why")
    assert follow_up.follow_up_recipient == supervisor  # the queried investigator's supervisor
    alert = Notification.objects.get(recipient=supervisor, dedupe_key=f"audits.follow_up.{follow_up.pk}")
    assert alert.severity == "warning"

    with pytest.raises(ApplicationError) as error:
        audit_campaign_submit(actor=supervisor, campaign=campaign)
    assert error.value.message == PENDING_SAMPLES.format(count=28, plural="ies")

    for sample in samples[2:]:
        audit_sample_review(actor=supervisor, sample=sample, finding=Finding.NECESSARY)
    # A finding can be changed while in review; the event keeps the old value.
    audit_sample_review(actor=supervisor, sample=samples[2], finding=Finding.NECESSARY, notes="Checked the file")
    changed = DomainEvent.objects.filter(code="alprportal.audits.sample.reviewed", target_id=str(samples[2].pk))
    assert changed.count() == 2 and changed.first().data["old"]["finding"] == Finding.NECESSARY

    audit_campaign_submit(actor=supervisor, campaign=campaign)
    with pytest.raises(ApplicationError) as error:
        audit_sample_review(actor=supervisor, sample=samples[3], finding=Finding.NECESSARY)
    assert error.value.message == CAMPAIGN_NOT_IN_REVIEW

    with pytest.raises(PermissionDeniedError) as denied:
        audit_campaign_approve(actor=supervisor, campaign=campaign)
    assert denied.value.message == NOT_AN_APPROVER

    audit_campaign_return(actor=custodian, campaign=campaign, reason="Add a note to #3")
    audit_campaign_submit(actor=supervisor, campaign=campaign)
    approved = audit_campaign_approve(actor=custodian, campaign=campaign, note="OK")
    assert approved.status == CampaignStatus.APPROVED and approved.approved_by == custodian
    codes = domain_events("alprportal.audits.campaign", target=campaign)
    assert codes == ["alprportal.audits.campaign.created", "alprportal.audits.campaign.submitted",
                     "alprportal.audits.campaign.returned", "alprportal.audits.campaign.submitted",
                     "alprportal.audits.campaign.approved"]

    with pytest.raises(ApplicationError) as error:
        audit_campaign_submit(actor=supervisor, campaign=campaign)
    assert error.value.message == ILLEGAL_TRANSITION.format(current="approved", target="submitted for approval")

    resolved = audit_follow_up_resolve(actor=supervisor, sample=follow_up, resolution="Talked to the detective")
    assert resolved.follow_up_resolved_by == supervisor


def test_nobody_reviews_their_own_query_or_approves_their_own_campaign(make_user, custodian, supervisor):
    other_custodian = make_user(Role.CUSTODIAN)
    for day in days(date(2026, 2, 1), 40):
        log_query(other_custodian if day.day % 2 else supervisor, day)
    campaign = _campaign(custodian)
    own = campaign.samples.filter(access_log__user=supervisor).first()
    with pytest.raises(ApplicationError) as error:
        audit_sample_review(actor=supervisor, sample=own, finding=Finding.NECESSARY)
    assert error.value.message == OWN_QUERY

    for sample in campaign.samples.all():
        audit_sample_review(actor=custodian, sample=sample, finding=Finding.NECESSARY)
    audit_campaign_submit(actor=custodian, campaign=campaign)
    with pytest.raises(ApplicationError) as error:
        audit_campaign_approve(actor=custodian, campaign=campaign)
    assert error.value.message == CANNOT_APPROVE_OWN
    assert audit_campaign_approve(actor=other_custodian, campaign=campaign).status == CampaignStatus.APPROVED
