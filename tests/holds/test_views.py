"""Hold pages (R-RET-3, R-ACC-4): request as investigator, approve as supervisor, reads listed (logged), 404s."""

from __future__ import annotations

from django.urls import reverse

from apps.accounts.roles import Role
from apps.audit.models import AccessLog
from apps.holds.choices import HoldStatus
from apps.holds.models import EvidenceHold
from tests.holds.helpers import approve_and_verify


def test_investigator_requests_and_supervisor_approves_through_the_pages(client, detective, boss, reads):
    client.force_login(detective)
    assert client.get(reverse("holds:create")).status_code == 200
    response = client.post(reverse("holds:create"), {
        "case_number": "24-004417", "ground": "evidence", "purpose": "prosecution", "reason": "Getaway car.",
        "contact": "(555) 010-4417", "scope_kind": "search", "plate": "7ABC123",
        "time_from": "2000-01-01T00:00", "time_to": "2099-01-01T00:00",
    })
    assert response.status_code == 200  # the reads app's own limit on an exact-plate range applies
    assert "at most" in response.content.decode()
    response = client.post(reverse("holds:create"), {
        "case_number": "24-004417", "ground": "evidence", "purpose": "prosecution", "reason": "Getaway car.",
        "contact": "(555) 010-4417", "scope_kind": "reads", "read_ids": f"{reads[0].pk}, {reads[1].pk}",
    })
    hold = EvidenceHold.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("holds:detail", args=[hold.pk])
    page = client.get(reverse("holds:detail", args=[hold.pk])).content.decode()
    assert "Waiting for the supervisor" in page and 'id="approve"' not in page
    assert AccessLog.objects.filter(user=detective, action="holds.view").count() == 1

    client.force_login(boss)
    home = client.get(reverse("home")).content.decode()
    assert hold.reference in home and "waiting for your approval" in home
    page = client.get(reverse("holds:detail", args=[hold.pk])).content.decode()
    assert 'id="approve"' in page
    response = client.post(reverse("holds:approve", args=[hold.pk]), {"note": "ok"}, follow=True)
    assert "approved" in response.content.decode()
    hold.refresh_from_db()
    assert hold.status == HoldStatus.VERIFYING


def test_a_discovery_request_hold_is_verified_by_the_custodian_on_its_page_with_the_booking_number(
        client, detective, boss, custodian, reads):
    """R-RET-3a: ground "discovery request", the evidence booking item number, the custodian's verification."""
    from apps.holds.services.decisions import hold_approve

    client.force_login(detective)
    client.post(reverse("holds:create"), {
        "case_number": "CIV-26-0311", "ground": "discovery_request", "purpose": "prosecution",
        "reason": "Subpoena duces tecum in Doe v. City, served 2026-11-30.", "contact": "(555) 010-4417",
        "scope_kind": "reads", "read_ids": f"{reads[0].pk}",
    })
    hold = EvidenceHold.objects.get()
    assert hold.ground == "discovery_request"
    hold_approve(actor=boss, hold=hold)
    page = client.get(reverse("holds:detail", args=[hold.pk])).content.decode()
    assert 'id="verify-hold"' not in page  # the investigator does not verify

    client.force_login(custodian)
    home = client.get(reverse("home")).content.decode()
    assert hold.reference in home and "waiting for your verification" in home
    page = client.get(reverse("holds:detail", args=[hold.pk])).content.decode()
    assert "Subject to a discovery request" in page and 'id="verify-hold"' in page
    response = client.post(reverse("holds:verify", args=[hold.pk]),
                           {"evidence_booking_number": "EV-2026-000417", "note": "Subpoena checked."}, follow=True)
    page = response.content.decode()
    assert "verified: it is active" in page and "EV-2026-000417" in page
    hold.refresh_from_db()
    assert hold.status == HoldStatus.ACTIVE and hold.verified_by == custodian


def test_the_supervisor_cannot_approve_through_the_page_as_requester(client, make_user, agency, camera, reads):
    from apps.holds.services.request import hold_request

    chief = make_user(Role.SUPERVISOR, agency=agency)
    sergeant = make_user(Role.SUPERVISOR, agency=agency, supervisor=chief)
    hold = hold_request(actor=sergeant, case_number="1", reason="r", ground="evidence", contact="c",
                        scope_kind="reads", read_ids=[reads[0].pk])
    client.force_login(sergeant)
    response = client.post(reverse("holds:approve", args=[hold.pk]), follow=True)
    assert "cannot approve or deny your own" in response.content.decode()
    assert EvidenceHold.objects.get(pk=hold.pk).status == HoldStatus.PENDING


def test_holds_of_others_are_404(client, request_hold, make_user, agency, boss):
    hold = request_hold()
    for person in (make_user(Role.INVESTIGATOR, agency=agency, supervisor=boss), make_user(Role.SUPERVISOR)):
        client.force_login(person)
        assert client.get(reverse("holds:detail", args=[hold.pk])).status_code == 404
        assert client.post(reverse("holds:approve", args=[hold.pk])).status_code == 404
        assert client.post(reverse("holds:release", args=[hold.pk]), {"reason": "x"}).status_code == 404
        assert hold.reference not in client.get(reverse("holds:list")).content.decode()


def test_sharing_lets_a_colleague_see_the_hold(client, request_hold, detective, make_user, agency, boss):
    hold = request_hold()
    colleague = make_user(Role.INVESTIGATOR, agency=agency, supervisor=boss)
    client.force_login(detective)
    client.post(reverse("holds:share", args=[hold.pk]), {"username": colleague.username})
    client.force_login(colleague)
    assert client.get(reverse("holds:detail", args=[hold.pk])).status_code == 200


def test_release_through_the_page_needs_authority(client, request_hold, detective, boss):

    hold = approve_and_verify(boss=boss, hold=request_hold())
    client.force_login(detective)
    response = client.post(reverse("holds:release", args=[hold.pk]), {"reason": "done"}, follow=True)
    assert "not authorized to release" in response.content.decode()
    client.force_login(boss)
    client.post(reverse("holds:release", args=[hold.pk]), {"reason": "Final disposition."})
    assert EvidenceHold.objects.get(pk=hold.pk).status == HoldStatus.RELEASED


def test_the_read_detail_page_shows_its_holds(client, request_hold, detective, reads):
    hold = request_hold()
    client.force_login(detective)
    url = reverse("reads:detail", args=[reads[0].pk]) + "?purpose=investigative_leads&case_number=24-1"
    page = client.get(url).content.decode()
    assert 'id="read-holds"' in page and hold.reference in page
    other = client.get(reverse("reads:detail", args=[reads[3].pk]) + "?purpose=investigative_leads&case_number=24-1")
    assert hold.reference not in other.content.decode()


def test_lapsed_training_blocks_hold_pages(client, make_user, agency, request_hold):
    lapsed = make_user(Role.INVESTIGATOR, trained=False, agency=agency)
    client.force_login(lapsed)
    response = client.get(reverse("holds:list"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("training:required"))
