"""Writes to training records (R-ACC-2, R-ACC-2a, R-AUD-2)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from apps.audit.services import event_record
from apps.common.errors import ApplicationError
from apps.training.models import Course, TrainingRecord

COMPLETION_IN_FUTURE = "A completion date cannot be in the future."
ALREADY_RECORDED = "{person} already has a completion of “{course}” on {completed_on}."
OWN_COMPLETION = (
    "You cannot record your own training completion: another person (your training coordinator or an administrator) "
    "records it (R-ACC-2a)."
)


def training_record_check(*, actor, person, course: Course, completed_on: date) -> None:
    """The checks of ``training_record_create``, usable by a form before anything is written. Raises
    ApplicationError (own completion) or ValidationError (future date, already recorded)."""
    if actor is not None and person is not None and actor.pk == person.pk:
        raise ApplicationError(OWN_COMPLETION, code="own_training_completion")
    if completed_on > timezone.localdate():
        raise ValidationError({"completed_on": COMPLETION_IN_FUTURE})
    if TrainingRecord.objects.filter(person=person, course=course, completed_on=completed_on).exists():
        raise ValidationError(ALREADY_RECORDED.format(person=person, course=course, completed_on=completed_on))


@transaction.atomic
def training_record_create(
    *, actor, person, course: Course, completed_on: date, instructor: str, certificate=None, notes: str = ""
) -> TrainingRecord:
    """Record that ``person`` completed ``course``. Access unblocks at once (the gate reads records live).

    Nobody records their own completion (R-ACC-2a): ``actor`` must be another person (``None`` only for the demo
    seed and data imports run by the system). Records are never changed afterwards.
    """
    training_record_check(actor=actor, person=person, course=course, completed_on=completed_on)
    record = TrainingRecord(
        person=person, course=course, completed_on=completed_on, instructor=instructor.strip(), notes=notes,
        recorded_by=actor,
    )
    if certificate is not None:
        record.certificate = certificate
    record.full_clean()
    record.save()
    event_record(
        actor=actor, code="alprportal.training.record.created", target=record,
        data={"person": person.username, "course": course.code, "completed_on": completed_on,
              "counts_toward_training": course.counts_toward_training},
    )
    return record


@transaction.atomic
def training_records_create_bulk(
    *, actor, people: Iterable, course: Course, completed_on: date, instructor: str
) -> tuple[list[TrainingRecord], list[str]]:
    """Record one class session for many people at once. People already recorded for that day — and the actor
    themself (R-ACC-2a) — are skipped and named in the second return value; nothing is half-applied."""
    created, skipped = [], []
    for person in people:
        if actor is not None and person.pk == actor.pk:
            skipped.append(f"{person}: {OWN_COMPLETION}")
            continue
        if TrainingRecord.objects.filter(person=person, course=course, completed_on=completed_on).exists():
            skipped.append(ALREADY_RECORDED.format(person=person, course=course, completed_on=completed_on))
            continue
        created.append(
            training_record_create(
                actor=actor, person=person, course=course, completed_on=completed_on, instructor=instructor
            )
        )
    return created, skipped
