"""R-HOT-4a: a hit on a stolen vehicle or stolen plate is confirmed only with dispatch/communications or CLETS,
naming the dispatcher or reference; acting first is the exigent path, with a justification and a supervisor's
review; every time of record is the server's (a client-sent time is refused in the page and the API)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.accounts.roles import Role
from apps.audit.models import DomainEvent
from apps.common.errors import ApplicationError, PermissionDeniedError
from apps.common.server_time import CLIENT_TIME_REFUSED
from apps.hotlists.choices import HitStatus
from apps.hotlists.models import Hit
from apps.hotlists.services.hits import (
    EXIGENT_JUSTIFICATION_REQUIRED,
    EXIGENT_REVIEW_DONE,
    EXIGENT_REVIEW_OWN,
    STOLEN_NEEDS_DISPATCH_OR_CLETS,
    STOLEN_NEEDS_REFERENCE,
    hit_act_exigent,
    hit_confirm,
    hit_exigent_review,
)
from apps.notifications.models import Notification
from tests.conftest import state_access_context
from tests.events import domain_events
from tests.hotlists.conftest import csv_of, soon

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("method", ["originating_agency", "other"])
def test_a_stolen_vehicle_is_confirmed_only_with_dispatch_or_clets(hit, operator, method):
    """R-HOT-4a"""
    with pytest.raises(ApplicationError) as caught:
        hit_confirm(actor=operator, hit=hit, method=method, result="still_wanted", reference="Det. Ortiz")
    assert caught.value.message == STOLEN_NEEDS_DISPATCH_OR_CLETS
    hit.refresh_from_db()
    assert hit.status == HitStatus.NEW and hit.confirmed_at is None


def test_a_stolen_confirmation_names_the_dispatcher_or_reference(hit, operator):
    """R-HOT-4a"""
    with pytest.raises(ApplicationError) as caught:
        hit_confirm(actor=operator, hit=hit, method="dispatch", result="still_wanted", reference="  ")
    assert caught.value.message == STOLEN_NEEDS_REFERENCE
    before = timezone.now()
    hit = hit_confirm(actor=operator, hit=hit, method="dispatch", result="still_wanted", reference="Disp. Lee #214")
    assert (hit.status, hit.confirmation_method, hit.confirmation_reference) == (
        HitStatus.CONFIRMED, "dispatch", "Disp. Lee #214")
    assert before <= hit.confirmed_at <= timezone.now(), "the server's time"
    event = DomainEvent.objects.get(code="alprportal.hotlists.hit.confirmed")
    assert event.data["reference"] == "Disp. Lee #214"


def test_a_stolen_plate_too_but_other_reasons_keep_every_method(make_list, ingest, operator):
    """R-HOT-4a"""
    make_list(csv_of(f"5KLM001,CA,stolen plate,3,SVS-1,{soon()},Plate stolen",
                     f"4SAM123,CA,wanted person,2,26-3,{soon()},Warrant"))
    ingest([("5KLM001", 3), ("4SAM123", 2)])
    with pytest.raises(ApplicationError):
        hit_confirm(actor=operator, hit=Hit.objects.get(plate="5KLM001"), method="other", result="still_wanted")
    wanted = hit_confirm(actor=operator, hit=Hit.objects.get(plate="4SAM123"), method="originating_agency",
                         result="still_wanted")
    assert wanted.status == HitStatus.CONFIRMED


def test_exigent_action_needs_a_justification_and_goes_to_review(hit, operator, make_user):
    """R-HOT-4a"""
    boss = make_user(Role.SUPERVISOR)
    operator.supervisor = boss
    operator.save(update_fields=["supervisor"])
    with pytest.raises(ApplicationError) as caught:
        hit_act_exigent(actor=operator, hit=hit, action="stop", justification=" ")
    assert caught.value.message == EXIGENT_JUSTIFICATION_REQUIRED
    hit = hit_act_exigent(actor=operator, hit=hit, action="stop", justification="Suspect fleeing toward a school")
    assert (hit.status, hit.action, hit.confirmation_method, hit.confirmation_result) == (
        HitStatus.ACTIONED, "stop", "exigent", "unconfirmed")
    assert hit.exigent_reviewed_at is None
    assert Notification.objects.filter(recipient=boss, title__contains="before confirmation").exists()
    with pytest.raises(PermissionDeniedError):  # operators do not review
        hit_exigent_review(actor=make_user(Role.OPERATOR), hit=hit, outcome="justified", note="ok")
    hit = hit_exigent_review(actor=boss, hit=hit, outcome="justified", note="Fleeing felony; reasonable.")
    assert (hit.exigent_reviewed_by, hit.exigent_review_outcome) == (boss, "justified")
    with pytest.raises(ApplicationError) as caught:
        hit_exigent_review(actor=boss, hit=hit, outcome="not_justified", note="again")
    assert caught.value.message == EXIGENT_REVIEW_DONE
    codes = domain_events("alprportal.hotlists.hit.")
    assert codes == ["alprportal.hotlists.hit.exigent_action", "alprportal.hotlists.hit.exigent_reviewed"]


def test_a_supervisor_does_not_review_their_own_exigent_action(hit, supervisor):
    """R-HOT-4a"""
    hit_act_exigent(actor=supervisor, hit=hit, action="stop", justification="Shots fired from the vehicle")
    with pytest.raises(PermissionDeniedError) as caught:
        hit_exigent_review(actor=supervisor, hit=hit, outcome="justified", note="mine")
    assert caught.value.message == EXIGENT_REVIEW_OWN


def test_the_confirm_api_refuses_a_client_time(api_client, operator, hit):
    """R-HOT-4a: confirmation times are the server's, never typed in."""
    api_client.force_authenticate(operator)
    state_access_context(api_client)
    earlier = (timezone.now() - timedelta(hours=2)).isoformat()
    response = api_client.post(f"/api/v1/hits/{hit.pk}/confirm/",
                               {"method": "dispatch", "result": "still_wanted", "reference": "Disp. Lee",
                                "confirmed_at": earlier}, format="json")
    assert response.status_code == 400, response.content
    assert response.json()["error"]["message"] == CLIENT_TIME_REFUSED.format(field="confirmed_at")
    assert Hit.objects.get(pk=hit.pk).status == HitStatus.NEW
    response = api_client.post(f"/api/v1/hits/{hit.pk}/confirm/",
                               {"method": "other", "result": "still_wanted", "reference": "x"}, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["message"] == STOLEN_NEEDS_DISPATCH_OR_CLETS
    response = api_client.post(f"/api/v1/hits/{hit.pk}/confirm/",
                               {"method": "clets", "result": "still_wanted", "reference": "CLETS 88121"},
                               format="json")
    assert response.status_code == 200 and response.json()["confirmation_reference"] == "CLETS 88121"


def test_the_exigent_api_and_its_review(api_client, operator, supervisor, hit):
    """R-HOT-4a"""
    api_client.force_authenticate(operator)
    response = api_client.post(f"/api/v1/hits/{hit.pk}/exigent/",
                               {"action": "stop", "justification": "Vehicle ramming patrol car",
                                "action_at": timezone.now().isoformat()}, format="json")
    assert response.status_code == 400, "a client time is refused here too"
    response = api_client.post(f"/api/v1/hits/{hit.pk}/exigent/",
                               {"action": "stop", "justification": "Vehicle ramming patrol car"}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "actioned"
    assert "exigent_justification" not in response.json(), "no stated purpose: no free text back"
    response = api_client.post(f"/api/v1/hits/{hit.pk}/exigent-review/", {"outcome": "justified", "note": "ok"},
                               format="json")
    assert response.status_code == 403, "operators do not review"
    api_client.force_authenticate(supervisor)
    response = api_client.post(f"/api/v1/hits/{hit.pk}/exigent-review/",
                               {"outcome": "not_justified", "note": "Dispatch was reachable."}, format="json")
    assert response.status_code == 200 and response.json()["exigent_review_outcome"] == "not_justified"


def test_the_hit_page_refuses_a_typed_in_time_and_offers_the_exigent_path(client, operator, hit):
    """R-HOT-4a"""
    client.force_login(operator)
    state_access_context(client)
    page = client.get(reverse("hotlists:hit", args=[hit.pk])).content.decode()
    assert 'id="stolen-rule"' in page and 'id="exigent-form"' in page and 'name="reference"' in page
    response = client.post(reverse("hotlists:hit_confirm", args=[hit.pk]),
                           {"method": "dispatch", "result": "still_wanted", "reference": "Disp. Lee",
                            "confirmed_at": "2020-01-01T00:00"}, follow=True)
    assert CLIENT_TIME_REFUSED.format(field="confirmed_at") in response.content.decode()
    assert Hit.objects.get(pk=hit.pk).status == HitStatus.NEW
    response = client.post(reverse("hotlists:hit_confirm", args=[hit.pk]),
                           {"method": "other", "result": "still_wanted", "reference": "x"}, follow=True)
    assert STOLEN_NEEDS_DISPATCH_OR_CLETS in response.content.decode()
    client.post(reverse("hotlists:hit_exigent", args=[hit.pk]),
                {"action": "stop", "justification": "Driver pointed a gun at the officer"})
    assert Hit.objects.get(pk=hit.pk).confirmation_method == "exigent"


def test_the_supervisors_queue_shows_exigent_actions_and_records_reviews(client, operator, supervisor, hit):
    """R-HOT-4a"""
    hit_act_exigent(actor=operator, hit=hit, action="stop", justification="Fleeing into a crowd")
    client.force_login(operator)
    assert client.get(reverse("hotlists:exigent_queue")).status_code == 403
    client.force_login(supervisor)
    asked = client.get(reverse("hotlists:exigent_queue")).content.decode()
    assert "7ABC123" not in asked and 'name="purpose"' in asked, "plate data only under a stated purpose"
    state_access_context(client)
    page = client.get(reverse("hotlists:exigent_queue")).content.decode()
    assert f'data-hit="{hit.pk}"' in page and "Fleeing into a crowd" in page
    client.post(reverse("hotlists:hit_exigent_review", args=[hit.pk]),
                {"outcome": "justified", "note": "Reasonable."})
    hit.refresh_from_db()
    assert hit.exigent_review_outcome == "justified" and hit.exigent_reviewed_by == supervisor
    page = client.get(reverse("hotlists:exigent_queue")).content.decode()
    assert "Nothing waits for review." in page and "Reasonable." in page


def test_the_oversight_report_counts_exigent_actions_apart_from_confirmations(hit, operator, supervisor):
    """R-HOT-4a: an action before confirmation is never counted as a confirmation."""
    from apps.reports.sections.operations import hits_aggregate

    hit_act_exigent(actor=operator, hit=hit, action="stop", justification="Shots fired")
    today = timezone.localdate()
    figures = {item["key"]: item["value"] for item in hits_aggregate(today - timedelta(days=1), today)["summary"]}
    assert (figures["hits_confirmed"], figures["hits_actioned"], figures["hits_exigent"],
            figures["hits_exigent_unreviewed"]) == (0, 0, 1, 1)
    hit_exigent_review(actor=supervisor, hit=hit, outcome="not_justified", note="Dispatch was free.")
    figures = {item["key"]: item["value"] for item in hits_aggregate(today - timedelta(days=1), today)["summary"]}
    assert (figures["hits_exigent_not_justified"], figures["hits_exigent_unreviewed"]) == (1, 0)
