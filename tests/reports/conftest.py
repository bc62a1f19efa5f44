"""A half-year of history (January–June 2026) for the report tests: cameras and reads, queries by three people,
a training lapse with blocked attempts, and an approved query audit with adverse findings."""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone

from apps.accounts.roles import Role
from apps.audit.choices import Purpose
from apps.audits.choices import Finding
from apps.audits.services import (
    audit_campaign_approve,
    audit_campaign_create,
    audit_campaign_submit,
    audit_sample_review,
)
from apps.reads.choices import CameraKind
from apps.reads.models import Read
from apps.reads.services.cameras import camera_create
from apps.reports.choices import OversightBody
from apps.reports.services.profiles import oversight_profile_set
from tests.factories import DeployingAgencyFactory, RefresherCourseFactory, TrainingRecordFactory
from tests.reports.support import days, log_blocked_attempt, log_query

START, END = date(2026, 1, 1), date(2026, 6, 30)
TZ = timezone.get_current_timezone


def local(day: date, hour: int = 12, minute: int = 0) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, minute)), TZ())


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def inspector(make_user):
    user = make_user(Role.OVERSIGHT, trained=False, first_name="Iris", last_name="Inspector")
    oversight_profile_set(actor=None, user=user, body=OversightBody.INSPECTOR_GENERAL)
    return user


@pytest.fixture
def commissioner(make_user):
    user = make_user(Role.OVERSIGHT, trained=False, first_name="Cora", last_name="Commissioner")
    oversight_profile_set(actor=None, user=user, body=OversightBody.OVERSIGHT_COMMISSION)
    return user


@pytest.fixture
def history(make_user, supervisor, custodian):
    """Everything a semi-annual report of H1 2026 counts, plus rows just outside the period."""
    rng = random.Random(7)
    agency = DeployingAgencyFactory()
    cameras = [
        camera_create(actor=None, name="Harbor Blvd NB", kind=CameraKind.FIXED, agency=agency,
                      commissioned_at=local(date(2025, 1, 1))),
        camera_create(actor=None, name="Main St & 1st", kind=CameraKind.FIXED, agency=agency,
                      commissioned_at=local(date(2025, 1, 1))),
        camera_create(actor=None, name="Patrol unit 7", kind=CameraKind.MOBILE, agency=agency,
                      commissioned_at=local(date(2025, 1, 1))),
    ]
    weights = [60, 30, 3]  # the mobile unit collects a handful: a small count for the public summary
    moments = [local(START - timedelta(days=20) + timedelta(days=rng.randrange(220)), rng.randrange(24),
                     rng.randrange(60)) for _ in range(400)]
    # Edges: the first and last minutes of the period are in, the minutes around it are out.
    moments += [local(START, 0, 5), local(END, 23, 55), local(START - timedelta(days=1), 23, 55),
                local(END + timedelta(days=1), 0, 5)]
    reads = []
    for index, moment in enumerate(moments):
        camera = rng.choices(cameras, weights=weights)[0]
        plate = f"{rng.randint(1, 9)}ABC{rng.randint(100, 999)}"
        reads.append(Read(camera=camera, source_read_id=f"t-{index}", source=camera.kind, plate_read=plate,
                          plate_normalized=plate, plate_current=plate, captured_at=moment,
                          received_at=moment + timedelta(seconds=2)))
    Read.objects.bulk_create(reads)

    # The renditions are checked for every name of these people, so none may be a word a report prints anyway (a
    # random last name such as "May" or "Page" would be found in the public summary's month or page lines).
    for person, first, last in ((supervisor, "Sofia", "Okonkwo"), (custodian, "Carmen", "Vasquez")):
        person.first_name, person.last_name = first, last
        person.save(update_fields=["first_name", "last_name"])
    ivy = make_user(Role.INVESTIGATOR, supervisor=supervisor, first_name="Ivy", last_name="Nguyen")
    leo = make_user(Role.INVESTIGATOR, supervisor=supervisor, first_name="Leo", last_name="Martin", trained=False)
    # Leo's initial course lapses on 2026-03-02; his refresher restores access on 2026-04-10.
    TrainingRecordFactory(person=leo, completed_on=date(2025, 3, 1))
    TrainingRecordFactory(person=leo, course=RefresherCourseFactory(), completed_on=date(2026, 4, 10))
    for day in (date(2026, 3, 5), date(2026, 3, 6), date(2026, 3, 20)):
        log_blocked_attempt(leo, day)
    log_blocked_attempt(leo, date(2025, 12, 1))  # outside the period

    purposes = Purpose.values
    for index, day in enumerate(days(date(2026, 1, 3), 60, step=3)):
        person = (ivy, leo, supervisor)[index % 3]
        log_query(person, day, purpose=purposes[index % len(purposes)], case_number=f"CASE-26-{index:04d}",
                  plate=f"8XYZ{index:03d}")
    log_query(ivy, date(2025, 12, 31), case_number="CASE-25-OUT", plate="1OUT000")
    log_query(ivy, date(2026, 7, 1), case_number="CASE-26-OUT", plate="2OUT000")

    campaign = audit_campaign_create(actor=supervisor, title="Team audit H1", period_start=START, period_end=END,
                                     requested_size=30, seed="report-test", today=date(2026, 7, 15))
    samples = list(campaign.samples.order_by("position"))
    for index, sample in enumerate(samples):
        finding = {0: Finding.NOT_NECESSARY, 1: Finding.FOLLOW_UP}.get(index, Finding.NECESSARY)
        audit_sample_review(actor=supervisor, sample=sample, finding=finding,
                            notes="Reviewer note about the case" if finding != Finding.NECESSARY else "")
    audit_campaign_submit(actor=supervisor, campaign=campaign)
    audit_campaign_approve(actor=custodian, campaign=campaign)
    return {"cameras": cameras, "ivy": ivy, "leo": leo, "supervisor": supervisor, "custodian": custodian,
            "campaign": campaign, "adverse": samples[:2]}
