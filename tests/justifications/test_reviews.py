"""R-PURP-2: supervisors see the searches without a plate and the "other" hot-list entries in a review queue (page in
their navigation, and the API), and record their review; nobody reviews their own; a concern needs its reason."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.accounts.roles import Role
from apps.audit.models import AccessLog, DomainEvent
from apps.common.errors import ApplicationError, PermissionDeniedError
from apps.hotlists.choices import HotListSource
from apps.hotlists.services.lists import hot_list_create, hot_list_entry_add
from apps.justifications.models import JustificationReview
from apps.justifications.services import REVIEW_NOTE_REQUIRED, REVIEW_OWN, justification_review_record
from apps.reads.choices import CameraKind
from apps.reads.selectors import read_search, read_search_build
from apps.reads.services.cameras import camera_create
from tests.factories import DeployingAgencyFactory

pytestmark = pytest.mark.django_db

WHY = "Armed robbery at 5th and Main: vehicles near the scene from 22:00 to 22:30 (witness saw a grey sedan)."
SEARCH = {"purpose": "investigative_leads", "case_number": "26-000777"}


@pytest.fixture
def agency():
    return DeployingAgencyFactory()


@pytest.fixture
def sergeant(make_user, agency):
    return make_user(Role.SUPERVISOR, agency=agency)


@pytest.fixture
def detective(make_user, agency):
    return make_user(Role.INVESTIGATOR, agency=agency)


@pytest.fixture
def area_search(detective, agency):
    camera_create(actor=None, name="5th and Main", kind=CameraKind.FIXED, agency=agency,
                  commissioned_at=timezone.now() - timedelta(days=30), latitude=33.77, longitude=-117.92)
    result = read_search(user=detective, search=read_search_build(circle=(33.77, -117.92, 1)), justification=WHY,
                         attested=True, **SEARCH)
    return result.access_log


@pytest.fixture
def other_entry(sergeant, detective):
    hot_list = hot_list_create(actor=sergeant, name="Detective bureau", source=HotListSource.OWN, owner=sergeant,
                               default_entry_days=30)
    return hot_list_entry_add(actor=detective, hot_list=hot_list, plate="6TRJ244", reason="other",
                              justification="Vehicle of the suspect in the 5th and Main robbery (26-000777).",
                              attested=True, case_number="26-000777")


def test_supervisor_sees_the_queue_in_the_navigation_and_reviews_a_search(client, sergeant, area_search,
                                                                          other_entry):
    """R-PURP-2: the queue page lists the justified area search and the "other" entry; the review is recorded."""
    client.force_login(sergeant)
    home = client.get(reverse("home")).content.decode()
    assert reverse("justifications:queue") in home
    page = client.get(reverse("justifications:queue")).content.decode()
    assert WHY in page and f"#{area_search.seq}" in page and "6TRJ244" in page
    response = client.post(reverse("justifications:search_review", args=[area_search.pk]),
                           {"outcome": "appropriate", "note": "Scene and time window fit the report."})
    assert response.status_code == 302
    review = JustificationReview.objects.get()
    assert (review.access_log_id, review.reviewed_by, review.outcome) == (area_search.pk, sergeant, "appropriate")
    assert review.subject_user_id == area_search.user_id
    assert DomainEvent.objects.filter(code="alprportal.justifications.review.recorded").count() == 1
    page = client.get(reverse("justifications:queue")).content.decode()
    assert f'id="search-{area_search.pk}"' not in page  # left the queue


def test_concern_needs_a_note_and_nobody_reviews_themselves(sergeant, detective, other_entry, make_user, agency):
    """R-PURP-2: a concern without a reason is refused; the person who entered it cannot review it; one review."""
    with pytest.raises(ApplicationError) as no_note:
        justification_review_record(actor=sergeant, hot_list_entry=other_entry, outcome="concern")
    assert no_note.value.message == REVIEW_NOTE_REQUIRED
    other_sergeant = make_user(Role.SUPERVISOR, agency=agency)
    own = hot_list_entry_add(actor=other_sergeant, hot_list=other_entry.hot_list, plate="5KLM001", reason="other",
                             justification="Vehicle linked to an ongoing fraud investigation 26-1.", attested=True)
    with pytest.raises(PermissionDeniedError) as self_review:
        justification_review_record(actor=other_sergeant, hot_list_entry=own, outcome="appropriate")
    assert self_review.value.message == REVIEW_OWN
    justification_review_record(actor=sergeant, hot_list_entry=other_entry, outcome="concern",
                                note="The link to the robbery is not stated in the case file.")
    with pytest.raises(ApplicationError) as twice:
        justification_review_record(actor=other_sergeant, hot_list_entry=other_entry, outcome="appropriate")
    assert twice.value.code == "already_reviewed"


def test_investigator_has_no_queue(client, detective, area_search):
    """R-PURP-2: the queue is for supervisors; an investigator gets 403 and no navigation link."""
    client.force_login(detective)
    assert client.get(reverse("justifications:queue")).status_code == 403
    assert reverse("justifications:queue") not in client.get(reverse("home")).content.decode()


def test_queue_api_lists_and_records_reviews(api_client, sergeant, detective, area_search, other_entry):
    """R-PURP-2 API: the queue with the access-log seq and justification; POST a review; 403 for an investigator."""
    api_client.force_authenticate(detective)
    assert api_client.get("/api/v1/justifications/").status_code == 403
    api_client.force_authenticate(sergeant)
    body = api_client.get("/api/v1/justifications/").json()
    assert [row["access_log_seq"] for row in body["searches"]] == [area_search.seq]
    assert body["searches"][0]["justification"] == WHY and body["searches"][0]["attested"] is True
    assert [row["plate_pattern"] for row in body["entries"]] == ["6TRJ244"]
    response = api_client.post("/api/v1/justifications/reviews/",
                               {"kind": "hotlist_entry", "id": other_entry.pk, "outcome": "appropriate"},
                               format="json")
    assert response.status_code == 201
    plate_search = AccessLog.objects.exclude(pk=area_search.pk).first()
    assert plate_search is None
    response = api_client.post("/api/v1/justifications/reviews/",
                               {"kind": "search", "id": area_search.pk + 999, "outcome": "appropriate"},
                               format="json")
    assert response.status_code == 404
