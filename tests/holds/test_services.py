"""Evidence holds (R-RET-3): request, approve, deny, release, re-affirm — states, audit events, refusals."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from apps.accounts.roles import Role
from apps.audit.models import AccessLog, DomainEvent
from apps.common.errors import ApplicationError
from apps.holds.choices import HoldGround, HoldStatus, ScopeKind
from apps.holds.models import EvidenceHold, HeldRead
from apps.holds.selectors import hold_list_visible_to
from apps.holds.services import decisions, lifecycle
from apps.holds.services import request as request_services
from apps.notifications.models import Notification
from tests.events import domain_events
from tests.holds.helpers import approve_and_verify, make_read
from tests.reads.conftest import read_ids_probed, read_load_plan


def test_request_resolves_the_scope_with_the_reads_search_and_waits_for_the_supervisor(
        request_hold, reads, detective, boss, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        hold = request_hold()
    assert hold.status == HoldStatus.PENDING and hold.approver == boss and hold.read_count == 3
    assert set(HeldRead.objects.filter(hold=hold).values_list("read_id", flat=True)) == {r.pk for r in reads[:3]}
    log = AccessLog.objects.get(action="holds.request")
    assert log.user == detective and log.case_number == "24-000777" and log.result_count == 3
    assert log.data_elements["plate_pattern"] == "7ABC123"
    assert domain_events("alprportal.holds.hold.", target=hold) == ["alprportal.holds.hold.requested"]
    assert Notification.objects.filter(recipient=boss, dedupe_key=f"holds.{hold.pk}.requested").exists()


def test_selected_reads_scope(request_hold, reads):
    hold = request_hold(scope_kind=ScopeKind.READS, read_ids=[reads[0].pk, reads[3].pk], plate="")
    assert hold.read_count == 2 and hold.scope_plate == ""


@pytest.mark.parametrize(("overrides", "message"), [
    ({"case_number": "  "}, request_services.CASE_NUMBER_REQUIRED),
    ({"reason": ""}, request_services.REASON_REQUIRED),
    ({"contact": ""}, request_services.CONTACT_REQUIRED),
    ({"ground": "because"}, request_services.GROUND_INVALID),
    ({"ground": HoldGround.EXECUTIVE_DIRECTION}, request_services.CONCURRENCE_REQUIRED),
    ({"plate": "7ZZZ999"}, request_services.SCOPE_EMPTY),
    ({"scope_kind": ScopeKind.READS, "read_ids": []}, request_services.SCOPE_REQUIRED),
])
def test_bad_requests_are_refused_with_the_reason_and_change_nothing(request_hold, overrides, message):
    with pytest.raises(ApplicationError) as raised:
        request_hold(**overrides)
    assert raised.value.message == message
    assert not EvidenceHold.objects.exists() and not HeldRead.objects.exists()
    assert not AccessLog.objects.filter(action="holds.request").exists()


def test_executive_direction_with_concurrence_is_accepted(request_hold):
    hold = request_hold(ground=HoldGround.EXECUTIVE_DIRECTION, concurrence_by="Chief A. Diaz, Detective Division",
                        concurrence_statement="I concur: internal investigation 24-IA-3.")
    assert hold.concurrence_by.startswith("Chief")


def test_a_hold_on_already_purged_data_says_there_is_nothing_to_hold(request_hold, reads):
    now = timezone.now()
    with pytest.raises(ApplicationError) as raised:
        request_hold(time_from=now - timedelta(days=1200), time_to=now - timedelta(days=1100))
    assert raised.value.code == "nothing_to_hold" and "purged" in raised.value.message
    gone = reads[0].pk + 1000
    with pytest.raises(ApplicationError) as raised:
        request_hold(scope_kind=ScopeKind.READS, read_ids=[gone], plate="")
    assert raised.value.message == request_services.NOTHING_TO_HOLD_PURGED.format(detail=f" (read {gone})")
    assert not EvidenceHold.objects.exists()


def test_no_supervisor_no_hold(make_user, request_hold, agency):
    loner = make_user(Role.INVESTIGATOR, agency=agency)
    with pytest.raises(ApplicationError) as raised:
        request_hold(actor=loner)
    assert raised.value.message == request_services.NO_SUPERVISOR


def test_people_without_the_permission_cannot_request(make_user, request_hold, boss):
    with pytest.raises(ApplicationError) as raised:
        request_hold(actor=make_user(Role.OPERATOR, supervisor=boss))
    assert raised.value.message == request_services.REQUEST_NOT_ALLOWED


def test_approve_then_the_custodians_verification_make_the_hold_active_and_due_in_a_year(
        request_hold, boss, detective, custodian):
    """R-RET-3a: after the supervisor's approval, the custodian of records verifies the request."""
    hold = decisions.hold_approve(actor=boss, hold=request_hold(), note="ok")
    hold.refresh_from_db()
    assert hold.status == HoldStatus.VERIFYING and hold.decided_by == boss and hold.reaffirm_due_on is None
    event = DomainEvent.objects.get(code="alprportal.holds.hold.approved")
    assert event.data["old_status"] == "pending" and event.data["new_status"] == "verifying" and event.actor == boss
    with pytest.raises(ApplicationError) as raised:
        decisions.hold_approve(actor=boss, hold=hold)
    assert raised.value.code == "illegal_transition"
    with pytest.raises(ApplicationError) as raised:  # the supervisor cannot verify: the custodian does
        decisions.hold_verify(actor=boss, hold=hold)
    assert raised.value.message == decisions.VERIFY_NOT_ALLOWED
    hold = decisions.hold_verify(actor=custodian, hold=hold, note="Case and ground checked.",
                                evidence_booking_number="EV-2026-000417")
    assert hold.status == HoldStatus.ACTIVE and hold.verified_by == custodian
    assert hold.evidence_booking_number == "EV-2026-000417"
    assert hold.reaffirm_due_on == timezone.localdate() + timedelta(days=365)
    assert domain_events("alprportal.holds.hold.", target=hold) == [
        "alprportal.holds.hold.requested", "alprportal.holds.hold.approved", "alprportal.holds.hold.verified"]
    verified = DomainEvent.objects.get(code="alprportal.holds.hold.verified")
    assert verified.data["old_status"] == "verifying" and verified.data["new_status"] == "active"
    with pytest.raises(ApplicationError) as raised:
        decisions.hold_verify(actor=custodian, hold=hold)
    assert raised.value.code == "illegal_transition"


def test_a_supervisor_cannot_approve_their_own_hold(make_user, agency, request_hold):
    chief = make_user(Role.SUPERVISOR, agency=agency)
    sergeant = make_user(Role.SUPERVISOR, agency=agency, supervisor=chief)
    hold = request_hold(actor=sergeant)
    with pytest.raises(ApplicationError) as raised:
        decisions.hold_approve(actor=sergeant, hold=hold)
    assert raised.value.message == decisions.SELF_DECISION
    hold.refresh_from_db()
    assert hold.status == HoldStatus.PENDING
    assert decisions.hold_approve(actor=chief, hold=hold).status == HoldStatus.VERIFYING


def test_only_the_requesters_supervisor_decides(make_user, agency, request_hold, boss):
    other = make_user(Role.SUPERVISOR, agency=agency)
    hold = request_hold()
    with pytest.raises(ApplicationError) as raised:
        decisions.hold_approve(actor=other, hold=hold)
    assert raised.value.code == "not_the_supervisor"
    with pytest.raises(ApplicationError):
        decisions.hold_deny(actor=other, hold=hold, reason="no")
    assert EvidenceHold.objects.get(pk=hold.pk).status == HoldStatus.PENDING


def test_deny_needs_a_reason_and_ends_the_hold(request_hold, boss):
    hold = request_hold()
    with pytest.raises(ApplicationError) as raised:
        decisions.hold_deny(actor=boss, hold=hold, reason=" ")
    assert raised.value.message == decisions.DENY_REASON_REQUIRED
    hold = decisions.hold_deny(actor=boss, hold=hold, reason="Not evidence.")
    assert hold.status == HoldStatus.DENIED
    assert domain_events("alprportal.holds.hold.", target=hold)[-1] == "alprportal.holds.hold.denied"
    with pytest.raises(ApplicationError):
        lifecycle.hold_release(actor=boss, hold=hold, reason="x")


def test_release_needs_authority_and_a_reason_and_deletes_nothing(request_hold, boss, detective, custodian, reads):
    hold = approve_and_verify(boss=boss, hold=request_hold())
    with pytest.raises(ApplicationError) as raised:
        lifecycle.hold_release(actor=detective, hold=hold, reason="case closed")
    assert raised.value.message == lifecycle.RELEASE_NOT_AUTHORIZED
    with pytest.raises(ApplicationError) as raised:
        lifecycle.hold_release(actor=boss, hold=hold, reason="")
    assert raised.value.message == lifecycle.RELEASE_REASON_REQUIRED
    assert EvidenceHold.objects.get(pk=hold.pk).status == HoldStatus.ACTIVE
    hold = lifecycle.hold_release(actor=custodian, hold=hold, reason="Final disposition 2026-03-01.")
    assert hold.status == HoldStatus.RELEASED and hold.released_by == custodian
    assert domain_events("alprportal.holds.hold.", target=hold)[-1] == "alprportal.holds.hold.released"
    from apps.reads.models import Read

    assert Read.objects.filter(pk__in=[r.pk for r in reads]).count() == 4  # never deleted on the spot
    with pytest.raises(ApplicationError) as raised:
        lifecycle.hold_release(actor=custodian, hold=hold, reason="again")
    assert raised.value.code == "illegal_transition"


def test_pending_holds_cannot_be_released(request_hold, custodian):
    with pytest.raises(ApplicationError) as raised:
        lifecycle.hold_release(actor=custodian, hold=request_hold(), reason="x")
    assert raised.value.code == "illegal_transition"


def test_reaffirmation_extends_the_due_date_and_reminders_go_to_both_once(
        request_hold, boss, detective, make_user, django_capture_on_commit_callbacks):
    hold = approve_and_verify(boss=boss, hold=request_hold())
    EvidenceHold.objects.filter(pk=hold.pk).update(reaffirm_due_on=timezone.localdate() + timedelta(days=10))
    with django_capture_on_commit_callbacks(execute=True):
        assert lifecycle.holds_reaffirm_remind() == 1
    with django_capture_on_commit_callbacks(execute=True):
        assert lifecycle.holds_reaffirm_remind() == 1  # a daily job: deduplicated per due date
    reminders = Notification.objects.filter(dedupe_key__startswith=f"holds.{hold.pk}.reaffirm.")
    assert sorted(n.recipient_id for n in reminders) == sorted([boss.pk, detective.pk])
    with pytest.raises(ApplicationError) as raised:
        lifecycle.hold_reaffirm(actor=make_user(Role.INVESTIGATOR), hold=hold)
    assert raised.value.message == lifecycle.REAFFIRM_NOT_ALLOWED
    hold = lifecycle.hold_reaffirm(actor=detective, hold=hold, note="trial postponed")
    assert hold.reaffirm_due_on == timezone.localdate() + timedelta(days=365)
    assert domain_events("alprportal.holds.hold.", target=hold)[-1] == "alprportal.holds.hold.reaffirmed"


def test_visibility_own_team_shared_and_staff(request_hold, detective, boss, make_user, agency, custodian):
    hold = request_hold()
    colleague = make_user(Role.INVESTIGATOR, agency=agency, supervisor=boss)
    stranger_boss = make_user(Role.SUPERVISOR, agency=agency)
    operator = make_user(Role.OPERATOR, agency=agency)
    assert list(hold_list_visible_to(user=detective)) == [hold]
    assert list(hold_list_visible_to(user=boss)) == [hold]
    assert list(hold_list_visible_to(user=custodian)) == [hold]
    for person in (colleague, stranger_boss, operator):
        assert not hold_list_visible_to(user=person).exists()
    lifecycle.hold_share(actor=detective, hold=hold, person=colleague)
    assert list(hold_list_visible_to(user=colleague)) == [hold]
    with pytest.raises(ApplicationError):
        lifecycle.hold_share(actor=colleague, hold=hold, person=stranger_boss)
    with pytest.raises(ApplicationError):
        lifecycle.hold_share(actor=detective, hold=hold, person=operator)


def test_holds_list_their_reads_as_a_logged_access_and_reads_show_their_holds(request_hold, detective, reads):
    from apps.holds.selectors import hold_list_for_read, hold_reads_for

    hold = request_hold()
    page = hold_reads_for(user=detective, hold=hold)
    assert page.total == 3 and page.present == 3
    log = AccessLog.objects.filter(action="holds.view").get()
    assert log.case_number == hold.case_number and log.result_count == 3
    assert hold_list_for_read(user=detective, read_id=reads[0].pk) == [hold]
    assert hold_list_for_read(user=detective, read_id=reads[3].pk) == []


def test_scope_over_the_limit_is_refused(request_hold, camera, settings):
    settings.PORTAL = {**settings.PORTAL, "HOLD_MAX_READS": 2}
    make_read(camera, plate="7ABC123", days_ago=4)
    with pytest.raises(ApplicationError) as raised:
        request_hold()
    assert raised.value.code == "scope_too_large"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's plans")
def test_a_holds_reads_are_each_looked_up_in_their_own_month(request_hold, detective, camera):
    """Issue #19: the hold keeps each read's capture time, so listing its reads probes each month's primary key with
    that month's reads only; by id alone, a hold of 500 reads probed every month's key 500 times."""
    from apps.holds.selectors import hold_reads_for

    older = [make_read(camera, plate="7ABC123", days_ago=days) for days in (40, 70)]
    hold = request_hold(time_from=timezone.now() - timedelta(days=100))
    page, plan = read_load_plan(lambda: hold_reads_for(user=detective, hold=hold))
    assert page.total == page.present == 5 and {row.read.pk for row in page.rows} >= {read.pk for read in older}
    assert all(row.read.camera.name == camera.name for row in page.rows)
    # each read probed once, in its own month
    assert sorted(read_ids_probed(plan)) == sorted(row.read.pk for row in page.rows), plan


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's plans")
@pytest.mark.parametrize("scope_kind", [ScopeKind.SEARCH, ScopeKind.READS])
def test_requesting_a_hold_looks_each_read_up_in_its_own_month(request_hold, detective, camera, reads, scope_kind):
    """Issue #19: a hold's request copies plate, time and camera of every read it covers. It loads them with the
    capture times the matching (or visibility) statement returned, each read in its own month; by id alone a hold of
    500 reads over 37 months probed every month's primary key for every read (18,500 probes)."""
    older = [make_read(camera, plate="7ABC123", days_ago=days) for days in (40, 70)]
    wanted = [read.pk for read in reads[:3] + older]
    overrides = ({"scope_kind": ScopeKind.READS, "read_ids": wanted, "plate": ""} if scope_kind == ScopeKind.READS
                 else {"time_from": timezone.now() - timedelta(days=100)})
    hold, plan = read_load_plan(lambda: request_hold(**overrides))
    held = {row.read_id: row for row in HeldRead.objects.filter(hold=hold)}
    assert sorted(held) == sorted(wanted) and hold.read_count == 5
    assert all(row.plate == "7ABC123" and row.camera_name == camera.name for row in held.values())
    assert sorted(read_ids_probed(plan)) == sorted(wanted), plan
