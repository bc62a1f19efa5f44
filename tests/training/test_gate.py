"""R-ACC-2: lapsed or missing training blocks pages, API and admin screens of ALPR data at once, with the reason."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.accounts.roles import Role
from apps.audit.models import AccessLog, DomainEvent
from apps.training.selectors import training_status_for
from apps.training.services import training_record_create
from tests.factories import CourseFactory, RefresherCourseFactory, TrainingRecordFactory

pytestmark = pytest.mark.django_db

GATED_PAGE = reverse("audit:access_log")
GATED_API = reverse("api:access-log")
GATED_ADMIN = reverse("admin:audit_accesslog_changelist")


@pytest.fixture
def untrained_admin(make_user):
    return make_user(Role.SYSADMIN, trained=False)


@pytest.fixture
def lapsed_admin(make_user):
    person = make_user(Role.SYSADMIN, trained=False)
    TrainingRecordFactory(person=person, course=CourseFactory(),
                          completed_on=timezone.localdate() - timedelta(days=400))
    return person


def test_no_training_blocks_the_page_with_the_missing_course(client, untrained_admin):
    client.force_login(untrained_admin)
    response = client.get(GATED_PAGE)
    assert response.status_code == 302 and response.url == reverse("training:required")
    page = client.get(response.url).content.decode()
    assert "You have not completed the initial ALPR training (ALPR initial training)" in page or \
        "You have not completed the initial ALPR training" in page
    assert "Blocked since" in page
    assert not AccessLog.objects.exists()  # nothing was shown, so nothing was accessed


def test_lapsed_refresher_blocks_page_api_and_admin(client, api_client, lapsed_admin):
    status = training_status_for(user=lapsed_admin)
    assert not status.current
    assert status.blocked_since == timezone.localdate() - timedelta(days=400) + timedelta(days=366)

    client.force_login(lapsed_admin)
    assert client.get(GATED_PAGE).url == reverse("training:required")
    assert client.get(GATED_ADMIN).url == reverse("training:required")
    required = client.get(reverse("training:required")).content.decode()
    assert "annual refresher" in required and "lapsed on" in required

    api_client.force_authenticate(lapsed_admin)
    response = api_client.get(GATED_API)
    assert response.status_code == 403
    assert "lapsed on" in response.json()["error"]["message"]
    assert DomainEvent.objects.filter(code="alprportal.training.access.blocked", actor=lapsed_admin).count() == 3


def test_completing_the_refresher_unblocks_at_once(client, lapsed_admin, sysadmin):
    client.force_login(lapsed_admin)
    assert client.get(GATED_PAGE).status_code == 302
    training_record_create(actor=sysadmin, person=lapsed_admin, course=RefresherCourseFactory(),
                           completed_on=timezone.localdate(), instructor="Training Unit")
    assert client.get(GATED_PAGE).status_code == 200


def test_training_pages_and_login_stay_open_while_lapsed(client, lapsed_admin):
    client.force_login(lapsed_admin)
    assert client.get(reverse("training:mine")).status_code == 200
    assert client.get(reverse("training:required")).status_code == 200
    assert client.get(reverse("home")).status_code == 200


def test_initial_course_alone_is_valid_for_its_first_year(make_user):
    person = make_user(Role.INVESTIGATOR, trained=False)
    TrainingRecordFactory(person=person, completed_on=timezone.localdate() - timedelta(days=364))
    assert training_status_for(user=person).current
    assert not training_status_for(user=person, today=timezone.localdate() + timedelta(days=2)).current


def test_a_refresher_without_the_initial_course_is_not_enough(make_user):
    person = make_user(Role.INVESTIGATOR, trained=False)
    TrainingRecordFactory(person=person, course=RefresherCourseFactory())
    status = training_status_for(user=person)
    assert not status.current and "initial ALPR training" in status.message


def test_completion_in_the_future_is_refused(sysadmin, make_user):
    from django.core.exceptions import ValidationError

    person = make_user(Role.OPERATOR, trained=False)
    with pytest.raises(ValidationError, match="cannot be in the future"):
        training_record_create(actor=sysadmin, person=person, course=CourseFactory(),
                               completed_on=timezone.localdate() + timedelta(days=1), instructor="x")


def test_admin_records_completions_for_many_people_at_once(client, sysadmin, make_user):
    people = [make_user(Role.OPERATOR, trained=False) for _ in range(3)]
    course = RefresherCourseFactory()
    client.force_login(sysadmin)
    response = client.post(reverse("admin:accounts_user_changelist"), {
        "action": "record_training_completion", "_selected_action": [p.pk for p in people], "apply": "1",
        "course": course.pk, "completed_on": timezone.localdate().isoformat(), "instructor": "Sgt. Lee",
    }, follow=True)
    assert "Recorded 3 completion(s)" in response.content.decode()
    for person in people:
        assert person.training_records.filter(course=course, instructor="Sgt. Lee").exists()
