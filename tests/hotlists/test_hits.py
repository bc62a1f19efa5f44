"""Hits (R-HOT-4, R-HOT-5): explicit states, the illegal moves refused with their messages, the audit events, the
hit pages (logged, 404 for hidden hits), the live endpoint and the images behind signed links."""

from __future__ import annotations

import pytest
from django.urls import reverse

from apps.accounts.roles import Role
from apps.audit.models import AccessLog
from apps.common.errors import ApplicationError, PermissionDeniedError
from apps.hotlists.choices import HitStatus
from apps.hotlists.models import Hit
from apps.hotlists.services.hits import (
    HIT_ACTION_AFTER_CLEARED,
    HIT_ACTION_NEEDS_CONFIRMATION,
    HIT_NOTE_REQUIRED,
    HIT_TRANSITION_ILLEGAL,
    NOT_ALLOWED_TO_CONFIRM,
    hit_confirm,
    hit_mark_misread,
    hit_mark_not_actionable,
    hit_record_action,
)
from apps.hotlists.views.hits import NOT_PROBABLE_CAUSE
from tests.conftest import state_access_context
from tests.events import domain_events
from tests.hotlists.conftest import csv_of, soon

pytestmark = pytest.mark.django_db


HIT_EVENTS = "alprportal.hotlists.hit."
TRANSITION = ("code", "data__old_status", "data__new_status")


def test_confirm_then_record_action(hit, operator):
    hit = hit_confirm(actor=operator, hit=hit, method="clets", result="still_wanted", note="CLETS #4411",
                      reference="CLETS 4411")
    assert (hit.status, hit.confirmed_by, hit.confirmation_method, hit.confirmation_result) == (
        HitStatus.CONFIRMED, operator, "clets", "still_wanted")
    assert hit.confirmed_at is not None
    hit = hit_record_action(actor=operator, hit=hit, action="recovered", note="Recovered unoccupied.")
    assert (hit.status, hit.action, hit.action_by) == (HitStatus.ACTIONED, "recovered", operator)
    assert domain_events(HIT_EVENTS, target=hit, fields=TRANSITION) == [
        ("alprportal.hotlists.hit.confirmed", "new", "confirmed"),
        ("alprportal.hotlists.hit.actioned", "confirmed", "actioned")]


def test_a_hit_never_jumps_to_action_without_confirmation(hit, operator):
    with pytest.raises(ApplicationError) as caught:
        hit_record_action(actor=operator, hit=hit, action="stop")
    assert caught.value.message == HIT_ACTION_NEEDS_CONFIRMATION
    hit.refresh_from_db()
    assert hit.status == HitStatus.NEW and hit.action == ""
    assert domain_events(HIT_EVENTS, target=hit, fields=TRANSITION) == []


def test_the_database_refuses_an_action_without_a_confirmation_too(hit):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Hit.objects.filter(pk=hit.pk).update(status=HitStatus.ACTIONED, action="stop")


@pytest.mark.parametrize("first", ["misread", "not_actionable", "confirmed"])
def test_illegal_moves_are_refused(hit, operator, first):
    if first == "misread":
        hit_mark_misread(actor=operator, hit=hit, note="Crop shows 7ABC128.")
    elif first == "not_actionable":
        hit_mark_not_actionable(actor=operator, hit=hit, note="Gone.")
    else:
        hit_confirm(actor=operator, hit=hit, method="dispatch", result="still_wanted", reference="Disp. Lee")
    hit.refresh_from_db()
    label = hit.get_status_display().lower()
    with pytest.raises(ApplicationError) as caught:
        hit_confirm(actor=operator, hit=hit, method="dispatch", result="still_wanted", reference="Disp. Lee")
    assert caught.value.message == HIT_TRANSITION_ILLEGAL.format(status=label, target="confirmed")
    with pytest.raises(ApplicationError):
        hit_mark_misread(actor=operator, hit=hit, note="late")
    if first != "confirmed":
        with pytest.raises(ApplicationError) as caught:
            hit_record_action(actor=operator, hit=hit, action="stop")
        assert caught.value.message == HIT_ACTION_NEEDS_CONFIRMATION
    assert len(domain_events(HIT_EVENTS, target=hit, fields=TRANSITION)) == 1


def test_a_cleared_plate_allows_no_enforcement_action(hit, operator):
    hit_confirm(actor=operator, hit=hit, method="dispatch", result="cleared", note="Recovered yesterday.",
                reference="Disp. Lee")
    with pytest.raises(ApplicationError) as caught:
        hit_record_action(actor=operator, hit=hit, action="stop")
    assert caught.value.message == HIT_ACTION_AFTER_CLEARED
    assert hit_record_action(actor=operator, hit=hit, action="no_action").status == HitStatus.ACTIONED


def test_dismissals_need_a_note_and_the_permission(hit, operator, investigator):
    with pytest.raises(ApplicationError) as caught:
        hit_mark_misread(actor=operator, hit=hit, note="  ")
    assert caught.value.message == HIT_NOTE_REQUIRED
    with pytest.raises(PermissionDeniedError) as caught:
        hit_confirm(actor=investigator, hit=hit, method="dispatch", result="still_wanted")
    assert caught.value.message == NOT_ALLOWED_TO_CONFIRM


def test_the_hit_page_compares_images_logs_and_confirms(client, hit, operator):
    client.force_login(operator)
    url = reverse("hotlists:hit", args=[hit.pk])
    asked = client.get(url).content.decode()  # R-AUD-1a: the purpose and case number first, no plate before them
    assert 'name="purpose"' in asked and "7ABC123" not in asked and not AccessLog.objects.exists()
    page = client.get(url, {"purpose": "wanted_persons", "case_number": "SHIFT-26-12"}).content.decode()
    assert NOT_PROBABLE_CAUSE in page and "7ABC123" in page and 'id="confirm-form"' in page
    assert 'id="action-form"' not in page
    row = AccessLog.objects.get()
    assert (row.user, row.action, row.purpose, row.case_number, row.data_elements["hits"]) == (
        operator, "hotlists.hits.view", "wanted_persons", "SHIFT-26-12", [hit.pk])
    assert row.data_elements["entry_cases"] == ["26-004411"]
    crop = page.split('<figure class="hit-crop"><img src="')[1].split('"')[0].replace("&amp;", "&")
    image = client.get(crop)
    assert image.status_code == 200 and image["Content-Type"] == "image/jpeg"
    shown = AccessLog.objects.order_by("-seq").first()  # the crop is its own row, under the page's purpose
    assert (shown.action, shown.purpose, shown.case_number, shown.data_elements["image"]) == (
        "hotlists.hits.image", "wanted_persons", "SHIFT-26-12", "plate_crop")
    assert client.get(crop.split("?")[0]).status_code == 403, "unsigned image links are refused"
    response = client.post(reverse("hotlists:hit_action", args=[hit.pk]), {"action": "stop"})
    assert response.status_code == 302
    hit.refresh_from_db()
    assert hit.status == HitStatus.NEW
    client.post(reverse("hotlists:hit_confirm", args=[hit.pk]), {"method": "dispatch", "result": "still_wanted",
                                                                 "note": "Dispatcher Lee", "reference": "D-12"})
    hit.refresh_from_db()
    assert hit.status == HitStatus.CONFIRMED and hit.confirmed_by == operator
    page = client.get(url).content.decode()
    assert 'id="action-form"' in page and "Dispatcher Lee" in page


def test_hidden_hits_are_404_and_people_without_the_permission_403(client, hit, make_user, operator):
    from django.utils import timezone

    from apps.reads.models import Read

    client.force_login(make_user(Role.CUSTODIAN))
    assert client.get(reverse("hotlists:hit", args=[hit.pk])).status_code == 403
    Read.objects.filter(pk=hit.read_id).update(archived_at=timezone.now())
    client.force_login(operator)
    state_access_context(client)
    assert client.get(reverse("hotlists:hit", args=[hit.pk])).status_code == 404
    assert client.post(reverse("hotlists:hit_confirm", args=[hit.pk]),
                       {"method": "dispatch", "result": "still_wanted"}).status_code == 404


def test_the_live_endpoint_returns_a_new_hit_and_logs_it(api_client, make_list, ingest, operator):
    make_list(csv_of(f"8XYZ*,,bolo,3,26-2,{soon()},x", f"7ABC123,CA,wanted_person,1,26-9,{soon()},x"))
    api_client.force_authenticate(operator)
    state_access_context(api_client, purpose="wanted_persons", case_number="SHIFT-26-12")
    first = api_client.get(reverse("api:hits")).json()
    assert first["hits"] == [] and AccessLog.objects.count() == 0
    ingest([("8XYZ789", 3), ("7ABC123", 2)])
    data = api_client.get(reverse("api:hits"), {"after": first["last_id"], "since": first["server_time"]}).json()
    assert [(h["plate"], h["priority"]) for h in data["hits"]] == [("7ABC123", 1), ("8XYZ789", 3)]
    assert data["hits"][1]["entry_pattern"] == "8XYZ*" and data["hits"][1]["status"] == "new"
    # One row for the response, under the operator's own duty purpose (R-AUD-1a), the entries' cases kept beside it.
    row = AccessLog.objects.get()
    assert (row.purpose, row.case_number, row.data_elements["entry_cases"]) == (
        "wanted_persons", "SHIFT-26-12", ["26-2", "26-9"])
    again = api_client.get(reverse("api:hits"), {"after": data["last_id"], "since": data["server_time"]}).json()
    assert again["hits"] == [] and AccessLog.objects.count() == 1
    hit = Hit.objects.get(plate="8XYZ789")
    hit_mark_not_actionable(actor=operator, hit=hit, note="Gone.")
    later = api_client.get(reverse("api:hits"), {"after": data["last_id"], "since": data["server_time"]}).json()
    assert later["updated"] == [{"id": hit.pk, "status": "not_actionable", "status_label": "Not actionable"}]


def test_the_live_endpoint_is_for_trained_people_with_the_permission(api_client, make_user, hit):
    api_client.force_authenticate(make_user(Role.PARTNER_REQUESTER))
    assert api_client.get(reverse("api:hits")).status_code == 403
    api_client.force_authenticate(make_user(Role.OPERATOR, trained=False))
    assert api_client.get(reverse("api:hits")).status_code == 403
    assert AccessLog.objects.count() == 0


def test_the_hits_page_lists_unconfirmed_first_with_the_warning(client, make_list, ingest, operator):
    make_list(csv_of(f"8XYZ*,,bolo,3,26-2,{soon()},x", f"7ABC123,CA,wanted_person,1,26-9,{soon()},x"))
    ingest([("8XYZ789", 3), ("7ABC123", 2), ("8XYZ780", 1)])
    hit_mark_misread(actor=operator, hit=Hit.objects.get(plate="8XYZ780"), note="Crop shows 8XYZ788.")
    client.force_login(operator)
    page = client.get(reverse("hotlists:hits"), {"purpose": "wanted_persons", "case_number": "S-1"}).content.decode()
    assert "A hit is not probable cause." in page and "js/hits.js" in page
    order = [page.index(f'data-id="{Hit.objects.get(plate=p).pk}"') for p in ("7ABC123", "8XYZ789", "8XYZ780")]
    assert order == sorted(order)


def test_misreads_are_counted_per_camera_and_engine(client, make_list, ingest, operator, supervisor):
    make_list(csv_of(f"8XYZ*,,bolo,3,26-2,{soon()},x"))
    ingest([("8XYZ789", 3), ("8XYZ780", 2), ("8XYZ781", 1)])
    hits = list(Hit.objects.order_by("id"))
    hit_mark_misread(actor=operator, hit=hits[0], note="8 read as 9")
    hit_mark_misread(actor=operator, hit=hits[1], note="8 read as 0")
    hit_confirm(actor=operator, hit=hits[2], method="dispatch", result="still_wanted", reference="D-12")
    from django.utils import timezone

    from apps.hotlists.selectors import misread_review

    review = misread_review(since=timezone.now() - timezone.timedelta(days=1))
    assert [(r["camera__name"], r["decided"], r["misreads"], r["rate"]) for r in review["by_camera"]] == [
        ("Harbor Blvd NB", 3, 2, 66.7)]
    assert review["by_engine"] == [{"engine": "fixed camera", "decided": 3, "misreads": 2, "rate": 66.7}]
    client.force_login(supervisor)
    assert "66.7 %" in client.get(reverse("hotlists:quality")).content.decode()
