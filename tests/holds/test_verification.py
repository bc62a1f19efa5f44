"""Extended-retention requests (R-RET-3a): the grounds of 000 462.4 / 001 471.5 / 003 427.4 (civil action, discovery
request, other lawful process), the evidence booking item number, and the custodian of records' verification
(policy 004 §XI) between the supervisor's approval and an active hold."""

from __future__ import annotations

import pytest
from django.urls import reverse

from apps.accounts.roles import Role
from apps.audit.models import DomainEvent
from apps.common.errors import ApplicationError, PermissionDeniedError
from apps.holds.choices import HoldGround, HoldStatus
from apps.holds.models import EvidenceHold
from apps.holds.services import decisions

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("ground", [HoldGround.CIVIL_ACTION, HoldGround.DISCOVERY_REQUEST, HoldGround.LAWFUL_PROCESS])
def test_civil_action_discovery_request_and_other_lawful_process_are_grounds(request_hold, ground):
    """R-RET-3a: each is accepted and recorded with the evidence booking item number."""
    hold = request_hold(ground=ground, evidence_booking_number=" EV-26-000311-01 ")
    hold.refresh_from_db()
    assert hold.ground == ground and hold.evidence_booking_number == "EV-26-000311-01"
    assert hold.status == HoldStatus.PENDING


def test_the_requester_and_the_approving_supervisor_cannot_verify(request_hold, boss, detective, make_user, agency):
    """R-RET-3a: only the custodian verifies, and never one who requested or approved the hold."""
    hold = decisions.hold_approve(actor=boss, hold=request_hold())
    for person in (detective, boss, make_user(Role.SYSADMIN)):
        with pytest.raises(PermissionDeniedError) as raised:
            decisions.hold_verify(actor=person, hold=hold)
        assert raised.value.message == decisions.VERIFY_NOT_ALLOWED
    # A custodian who is also the approving supervisor (one person, two roles) is refused as well.
    both = make_user(Role.SUPERVISOR, agency=agency)
    both.groups.add(*make_user(Role.CUSTODIAN).groups.all())
    detective.supervisor = both
    detective.save(update_fields=["supervisor"])
    other = decisions.hold_approve(actor=both, hold=request_hold())
    with pytest.raises(PermissionDeniedError) as raised:
        decisions.hold_verify(actor=both, hold=other)
    assert raised.value.message == decisions.VERIFY_OWN_HOLD
    assert EvidenceHold.objects.get(pk=other.pk).status == HoldStatus.VERIFYING


def test_the_custodian_can_refuse_to_verify_with_a_reason(request_hold, boss, custodian):
    """R-RET-3a: refused → denied, with the reason the requester reads; the supervisor can no longer deny it."""
    hold = decisions.hold_approve(actor=boss, hold=request_hold())
    with pytest.raises(ApplicationError) as raised:
        decisions.hold_deny(actor=boss, hold=hold, reason="changed my mind")
    assert raised.value.code == "illegal_transition"
    with pytest.raises(ApplicationError) as raised:
        decisions.hold_verify_refuse(actor=custodian, hold=hold, reason=" ")
    assert raised.value.message == decisions.VERIFY_REFUSE_REASON_REQUIRED
    hold = decisions.hold_verify_refuse(actor=custodian, hold=hold, reason="No lawful process is cited.")
    assert hold.status == HoldStatus.DENIED and hold.verified_by == custodian
    event = DomainEvent.objects.get(code="alprportal.holds.hold.verification_refused")
    assert event.data["old_status"] == "verifying" and event.data["new_status"] == "denied"


def test_the_booking_number_is_recorded_later_by_the_people_of_the_hold(request_hold, boss, detective, custodian,
                                                                        make_user, client):
    """R-RET-3a: the evidence booking item number, recorded once the data is booked (page and service)."""
    hold = decisions.hold_approve(actor=boss, hold=request_hold())
    with pytest.raises(PermissionDeniedError):
        decisions.hold_booking_record(actor=make_user(Role.INVESTIGATOR), hold=hold, evidence_booking_number="X")
    with pytest.raises(ApplicationError) as raised:
        decisions.hold_booking_record(actor=detective, hold=hold, evidence_booking_number=" ")
    assert raised.value.message == decisions.BOOKING_NUMBER_REQUIRED
    client.force_login(detective)
    response = client.post(reverse("holds:booking", args=[hold.pk]), {"evidence_booking_number": "EV-26-1"},
                           follow=True)
    assert "Evidence booking item EV-26-1 recorded" in response.content.decode()
    assert EvidenceHold.objects.get(pk=hold.pk).evidence_booking_number == "EV-26-1"
    event = DomainEvent.objects.get(code="alprportal.holds.hold.booking_recorded")
    assert event.data["old_booking_number"] == "" and event.data["new_booking_number"] == "EV-26-1"


def test_the_refusal_page_action(client, request_hold, boss, custodian):
    """R-RET-3a: the custodian refuses on the hold's page."""
    hold = decisions.hold_approve(actor=boss, hold=request_hold())
    client.force_login(custodian)
    response = client.post(reverse("holds:verify_refuse", args=[hold.pk]), {"reason": "No subpoena attached."},
                           follow=True)
    assert "was not verified; it is denied" in response.content.decode()
    assert EvidenceHold.objects.get(pk=hold.pk).status == HoldStatus.DENIED
