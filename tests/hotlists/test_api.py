"""The hits API (R-HOT-4, R-HOT-5): one hit (logged as shown) and its transitions, with the same rules and messages as
the pages — confirmation before action, a note for a dismissal, illegal moves refused naming the state, hidden hits
404, people without ``confirm_hit`` or current training refused."""

from __future__ import annotations

import pytest
from django.utils import timezone

from apps.accounts.roles import Role
from apps.audit.models import AccessLog
from apps.hotlists.choices import HitStatus
from apps.hotlists.models import Hit
from apps.hotlists.services.hits import HIT_ACTION_NEEDS_CONFIRMATION, HIT_TRANSITION_ILLEGAL
from apps.reads.models import Read
from tests.events import domain_events

pytestmark = pytest.mark.django_db


def test_an_operator_confirms_then_records_the_action(api_client, operator, hit):
    api_client.force_authenticate(operator)
    response = api_client.post(f"/api/v1/hits/{hit.pk}/action/", {"action": "stop"}, format="json")
    assert response.status_code == 400 and response.json()["error"]["message"] == HIT_ACTION_NEEDS_CONFIRMATION

    response = api_client.post(f"/api/v1/hits/{hit.pk}/confirm/",
                               {"method": "clets", "result": "still_wanted", "note": "CLETS #4411",
                                "reference": "CLETS 4411"}, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["status"], body["confirmed_by"], body["confirmation_method"]) == (
        "confirmed", operator.username, "clets")

    response = api_client.post(f"/api/v1/hits/{hit.pk}/action/", {"action": "recovered", "note": "Unoccupied."},
                               format="json")
    assert response.status_code == 200 and response.json()["status"] == "actioned"
    hit.refresh_from_db()
    assert (hit.status, hit.action_by) == (HitStatus.ACTIONED, operator)
    assert domain_events("alprportal.hotlists.hit.", target=hit) == [
        "alprportal.hotlists.hit.confirmed", "alprportal.hotlists.hit.actioned"]


def test_dismissals_need_a_note_and_happen_once(api_client, operator, hit):
    api_client.force_authenticate(operator)
    response = api_client.post(f"/api/v1/hits/{hit.pk}/misread/", {"note": "   "}, format="json")
    assert response.status_code == 400
    assert "note" in str(response.json()["error"]).lower(), response.json()
    assert Hit.objects.get(pk=hit.pk).status == HitStatus.NEW
    response = api_client.post(f"/api/v1/hits/{hit.pk}/misread/", {"note": "Crop shows 7A8C123."}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "misread"
    # No purpose stated: the move is recorded, but the answer shows no plate, not even the one the note quotes.
    assert "7ABC123" not in response.content.decode() and "7A8C123" not in response.content.decode()
    response = api_client.post(f"/api/v1/hits/{hit.pk}/not-actionable/", {"note": "Gone."}, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["message"] == HIT_TRANSITION_ILLEGAL.format(status="misread",
                                                                               target="not actionable")


def test_the_detail_is_logged_and_hidden_hits_are_404(api_client, operator, make_user, hit):
    api_client.force_authenticate(operator)
    before = AccessLog.objects.count()
    refused = api_client.get(f"/api/v1/hits/{hit.pk}/")  # R-AUD-1a: no purpose, no plate
    assert refused.status_code == 400 and refused.json()["error"]["code"] == "access_context_required"
    assert "7ABC123" not in refused.content.decode() and AccessLog.objects.count() == before
    response = api_client.get(f"/api/v1/hits/{hit.pk}/", {"purpose": "wanted_persons", "case_number": "SHIFT-7"})
    assert response.status_code == 200 and response.json()["plate"] == "7ABC123"
    assert AccessLog.objects.count() == before + 1
    row = AccessLog.objects.order_by("-seq").first()
    assert (row.purpose, row.case_number) == ("wanted_persons", "SHIFT-7")  # the viewer's, not the entry's
    Read.objects.filter(pk=hit.read_id).update(archived_at=timezone.now())  # archived: administrators only
    assert api_client.get(f"/api/v1/hits/{hit.pk}/").status_code == 404
    assert api_client.post(f"/api/v1/hits/{hit.pk}/misread/", {"note": "x"}, format="json").status_code == 404
    api_client.force_authenticate(make_user(Role.SYSADMIN))
    assert api_client.get(f"/api/v1/hits/{hit.pk}/").status_code == 200  # the session remembers the context


@pytest.mark.parametrize("who", ["investigator", "custodian", "oversight", "lapsed_operator", "anonymous"])
def test_people_who_may_not_confirm_are_refused(api_client, make_user, hit, who):
    from datetime import timedelta

    from tests.factories import TrainingRecordFactory

    if who == "lapsed_operator":
        person = make_user(Role.OPERATOR, trained=False)
        TrainingRecordFactory(person=person, completed_on=timezone.localdate() - timedelta(days=500))
    elif who != "anonymous":
        person = make_user(who)
    if who != "anonymous":
        api_client.force_authenticate(person)
    response = api_client.post(f"/api/v1/hits/{hit.pk}/confirm/", {"method": "clets", "result": "still_wanted"},
                               format="json")
    assert response.status_code == (401 if who == "anonymous" else 403), response.content
    assert set(response.json()["error"]) >= {"code", "message"}
    assert Hit.objects.get(pk=hit.pk).status == HitStatus.NEW
