"""R-ACC-2a: only a course covering SB 34, SB 54 and the agency's policy counts; a course can be required of everyone
by a date; nobody records their own completion (service and admin); one refresher interval for the gate, the
training report and the public page."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.accounts.roles import Role
from apps.common.errors import ApplicationError
from apps.training.models import TrainingRecord
from apps.training.selectors import training_refresher_days, training_status_for
from apps.training.services import OWN_COMPLETION, training_record_create, training_records_create_bulk
from tests.factories import CourseFactory, TrainingRecordFactory

pytestmark = pytest.mark.django_db

GATED_PAGE = reverse("audit:access_log")


def test_a_course_missing_a_subject_does_not_count_toward_training(client, make_user):
    """R-ACC-2a"""
    person = make_user(Role.SYSADMIN, trained=False, background_checked=True)
    equipment_only = CourseFactory(code="camera-ops", title="Camera operation", covers_sb54=False)
    TrainingRecordFactory(person=person, course=equipment_only, completed_on=timezone.localdate() - timedelta(days=5))
    status = training_status_for(user=person)
    assert not status.current
    assert "does not cover SB 54 restrictions on immigration cooperation" in status.message
    client.force_login(person)
    assert client.get(GATED_PAGE).url == reverse("training:required")
    assert "does not count toward ALPR training" in client.get(reverse("training:required")).content.decode()

    TrainingRecordFactory(person=person, course=CourseFactory(), completed_on=timezone.localdate() - timedelta(days=5))
    assert training_status_for(user=person).current
    assert client.get(GATED_PAGE).status_code == 200


def test_a_course_required_of_everyone_blocks_after_its_date_with_a_clear_message(client, make_user):
    """R-ACC-2a"""
    person = make_user(Role.SYSADMIN)
    today = timezone.localdate()
    law_update = CourseFactory(code="law-2026", title="2026 ALPR law update", kind="refresher",
                               required_by=today + timedelta(days=10))
    status = training_status_for(user=person)
    assert status.current and status.upcoming_required[0][0] == law_update  # announced, not yet blocking
    client.force_login(person)
    assert "required of everyone by" in client.get(reverse("home")).content.decode()

    law_update.required_by = today
    law_update.save()
    status = training_status_for(user=person)
    assert not status.current and status.blocked_since == today
    assert status.message.startswith("“2026 ALPR law update” is required of everyone since")
    assert client.get(GATED_PAGE).url == reverse("training:required")
    assert "2026 ALPR law update" in client.get(reverse("training:required")).content.decode()

    TrainingRecordFactory(person=person, course=law_update, completed_on=today)
    assert client.get(GATED_PAGE).status_code == 200


def test_nobody_records_their_own_completion(make_user):
    """R-ACC-2a"""
    admin = make_user(Role.SYSADMIN, trained=False)
    with pytest.raises(ApplicationError, match="You cannot record your own training completion"):
        training_record_create(actor=admin, person=admin, course=CourseFactory(),
                               completed_on=timezone.localdate(), instructor="Myself")
    other = make_user(Role.OPERATOR, trained=False)
    created, skipped = training_records_create_bulk(actor=admin, people=[admin, other], course=CourseFactory(),
                                                    completed_on=timezone.localdate(), instructor="Training Unit")
    assert [record.person for record in created] == [other]
    assert skipped == [f"{admin}: {OWN_COMPLETION}"]
    assert not TrainingRecord.objects.filter(person=admin).exists()


def test_the_admin_adds_completions_through_the_service_and_never_changes_them(client, make_user):
    """R-ACC-2a"""
    admin = make_user(Role.SYSADMIN, trained=False)
    colleague = make_user(Role.SYSADMIN)  # a second administrator records the first one's training
    course = CourseFactory()
    client.force_login(admin)
    add = reverse("admin:training_trainingrecord_add")
    form = {"person": admin.pk, "course": course.pk, "completed_on": timezone.localdate().isoformat(),
            "instructor": "Myself", "notes": ""}
    response = client.post(add, form)
    assert response.status_code == 200 and "You cannot record your own training completion" in response.content.decode()
    assert not TrainingRecord.objects.filter(person=admin).exists()

    client.force_login(colleague)
    response = client.post(add, form)
    assert response.status_code == 302
    record = TrainingRecord.objects.get(person=admin)
    assert record.recorded_by == colleague  # the service wrote it

    completed_on = record.completed_on
    change = reverse("admin:training_trainingrecord_change", args=[record.pk])
    page = client.get(change)
    assert page.status_code == 200 and 'name="completed_on"' not in page.content.decode()  # read-only
    client.post(change, {**form, "completed_on": (completed_on - timedelta(days=300)).isoformat()})
    record.refresh_from_db()
    assert record.completed_on == completed_on


def test_one_refresher_interval_rules_the_gate_and_the_public_page(client, make_user, settings):
    """R-ACC-2a"""
    settings.PORTAL = {**settings.PORTAL, "TRAINING_REFRESHER_DAYS": 200}
    assert training_refresher_days() == 200
    person = make_user(Role.SYSADMIN, trained=False, background_checked=True)
    TrainingRecordFactory(person=person, completed_on=timezone.localdate() - timedelta(days=250))
    status = training_status_for(user=person)
    assert not status.current  # 250 days old: current for a year, lapsed under a 200-day interval
    assert status.valid_until == timezone.localdate() - timedelta(days=50)
    assert "a refresher every 200 days" in client.get(reverse("transparency:index")).content.decode()
