"""apps.audit.transitions: the one way a status changes (lock, no-op, edge check, full_clean, save, event; R-AUD-2).

Exercised on the security incident (open → closed), whose services use it like every other state machine."""

import threading

import pytest
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from apps.audit.choices import INCIDENT_TRANSITIONS, IncidentKind, IncidentStatus, NotificationDecision
from apps.audit.models import DomainEvent, SecurityIncident
from apps.audit.transitions import row_is_locked, row_lock, transition_apply, transition_check
from apps.common.errors import ApplicationError

CODE = "alprportal.test.incident.closed"
REFUSED = "That incident cannot become {target}."


def _refuse(incident, target):
    return ApplicationError(REFUSED.format(target=target), code="illegal_transition")


MACHINE = {"transitions": INCIDENT_TRANSITIONS, "refuse": _refuse}


def _incident(actor) -> SecurityIncident:
    return SecurityIncident.objects.create(
        title="Shared password", kind=IncidentKind.INCIDENT, description="x", detected_at=timezone.now(),
        detected_by=actor, recorded_by=actor, notification_decision=NotificationDecision.NOT_REQUIRED,
        notification_rationale="No personal information left the portal.")


def _close_directly(incident, actor, note="first"):
    SecurityIncident.objects.filter(pk=incident.pk).update(status=IncidentStatus.CLOSED, closure_note=note,
                                                           closed_by=actor, closed_at=timezone.now())


def _events(incident):
    return list(DomainEvent.objects.filter(code=CODE, target_id=str(incident.pk)).order_by("id"))


@pytest.mark.django_db
def test_a_move_saves_the_state_and_named_fields_and_records_one_event_with_old_and_new_status(sysadmin):
    incident = _incident(sysadmin)
    moved = transition_apply(incident, IncidentStatus.CLOSED, actor=sysadmin, event_code=CODE,
                             changes={"closure_note": "Password changed.", "closed_by": sysadmin,
                                      "closed_at": timezone.now()}, data={"note": "Password changed."}, **MACHINE)

    stored = SecurityIncident.objects.get(pk=incident.pk)
    assert (stored.status, stored.closure_note, stored.closed_by) == ("closed", "Password changed.", sysadmin)
    assert moved.changed and (moved.old_status, moved.new_status) == ("open", "closed")
    [event] = _events(incident)
    assert event == moved.event and event.actor == sysadmin
    assert event.data == {"old_status": "open", "new_status": "closed", "note": "Password changed."}


@pytest.mark.django_db
def test_a_move_to_the_state_the_row_is_in_is_a_no_op_without_save_or_event(sysadmin):
    incident = _incident(sysadmin)
    _close_directly(incident, sysadmin)

    # The caller's copy is stale (still open): the helper re-reads the row under the lock and sees it closed.
    moved = transition_apply(incident, IncidentStatus.CLOSED, actor=sysadmin, event_code=CODE,
                             changes={"closure_note": "second"}, **MACHINE)

    assert not moved.changed and moved.event is None
    assert (moved.old_status, moved.new_status) == ("closed", "closed")
    assert SecurityIncident.objects.get(pk=incident.pk).closure_note == "first"
    assert _events(incident) == []


@pytest.mark.django_db
def test_an_edge_outside_the_map_raises_the_callers_refusal_and_changes_nothing(sysadmin):
    incident = _incident(sysadmin)
    _close_directly(incident, sysadmin)

    with pytest.raises(ApplicationError) as refused:
        transition_apply(incident, IncidentStatus.OPEN, actor=sysadmin, event_code=CODE, **MACHINE)
    assert str(refused.value) == "That incident cannot become open." and refused.value.code == "illegal_transition"
    assert SecurityIncident.objects.get(pk=incident.pk).status == IncidentStatus.CLOSED
    assert _events(incident) == []

    # transition_check refuses a repeat too (the maps have no self-loops): services that must tell the person
    # "already closed" call it before transition_apply.
    locked = SecurityIncident.objects.get(pk=incident.pk)
    with pytest.raises(ApplicationError, match="cannot become closed"):
        transition_check(locked, IncidentStatus.CLOSED, **MACHINE)


@pytest.mark.django_db
def test_the_state_and_the_event_are_one_transaction(sysadmin):
    incident = _incident(sysadmin)
    with pytest.raises(RuntimeError), transaction.atomic():
        transition_apply(incident, IncidentStatus.CLOSED, actor=sysadmin, event_code=CODE,
                         changes={"closure_note": "x", "closed_by": sysadmin, "closed_at": timezone.now()}, **MACHINE)
        raise RuntimeError("a later step of the service fails")
    assert SecurityIncident.objects.get(pk=incident.pk).status == IncidentStatus.OPEN
    assert _events(incident) == []


@pytest.mark.django_db
def test_a_field_that_fails_validation_is_refused_and_nothing_is_saved(sysadmin):
    from django.core.exceptions import ValidationError

    incident = _incident(sysadmin)
    with pytest.raises(ValidationError):
        transition_apply(incident, IncidentStatus.CLOSED, actor=sysadmin, event_code=CODE,
                         changes={"title": "", "closure_note": "x", "closed_by": sysadmin,
                                  "closed_at": timezone.now()}, **MACHINE)
    assert SecurityIncident.objects.get(pk=incident.pk).status == IncidentStatus.OPEN
    assert _events(incident) == []


@pytest.mark.django_db
def test_row_lock_marks_the_row_it_locked_and_the_move_keeps_the_callers_edits(sysadmin):
    incident = _incident(sysadmin)
    with transaction.atomic():
        locked = row_lock(incident)
        assert row_is_locked(locked) and not row_is_locked(incident)
        # A locked instance is used as it is: the caller's unsaved edits, named in update_fields, are saved.
        locked.closure_note, locked.closed_by, locked.closed_at = "edited", sysadmin, timezone.now()
        transition_apply(locked, IncidentStatus.CLOSED, actor=sysadmin, event_code=CODE,
                         update_fields=["closure_note", "closed_by", "closed_at"], **MACHINE)
    assert SecurityIncident.objects.get(pk=incident.pk).closure_note == "edited"


@pytest.mark.django_db(transaction=True)
def test_the_helper_holds_the_row_lock_until_commit_even_for_a_no_op(sysadmin):
    incident = _incident(sysadmin)
    with pytest.raises(RuntimeError, match="needs a transaction"):
        row_lock(incident)  # a lock outside a transaction would be released at once
    seen = {}

    def other_writer():
        try:
            with transaction.atomic():
                SecurityIncident.objects.select_for_update(nowait=True).get(pk=incident.pk)
            seen["locked"] = False
        except DatabaseError:
            seen["locked"] = True
        finally:
            connection.close()

    _close_directly(incident, sysadmin)
    with transaction.atomic():
        # A no-op writes nothing, so only the helper's SELECT … FOR UPDATE can hold the row here.
        moved = transition_apply(incident, IncidentStatus.CLOSED, actor=sysadmin, event_code=CODE, **MACHINE)
        assert not moved.changed
        thread = threading.Thread(target=other_writer)
        thread.start()
        thread.join(timeout=30)
    assert seen == {"locked": True}

    thread = threading.Thread(target=other_writer)
    thread.start()
    thread.join(timeout=30)
    assert seen == {"locked": False}  # released at commit
