"""The one way a status changes: lock the row, check the edge, write, and record the event — one transaction.

Every state machine (agreements, disclosure requests, evidence holds, audit campaigns, violation reports, hot-list
hits, cameras, security incidents) moves through ``transition_apply``. Its event payload always carries
``old_status`` and ``new_status`` (R-AUD-2), next to the caller's own keys.

It lives in the audit app, not in ``apps.common``, because it writes the domain event: ``common`` imports no app,
and every domain app may import ``audit``.

How a service uses it::

    hold = row_lock(hold, related=("requested_by",))        # select_for_update before any check reads the row
    transition_check(hold, HoldStatus.RELEASED, transitions=HOLD_TRANSITIONS, refuse=_refusal("released"))
    ...permission and input checks...
    moved = transition_apply(hold, HoldStatus.RELEASED, actor=actor, event_code="alprportal.holds.hold.released",
                             transitions=HOLD_TRANSITIONS, refuse=..., changes={"release_reason": reason})
    moved.changed          # False: the row was already released; nothing was saved and no event was written

A service that must *refuse* a repeat (so the person is told "already …") calls ``transition_check`` first: the
transition maps have no self-loops, so it raises the service's own message. One that should be idempotent (a daily
job) calls ``transition_apply`` alone and reads ``changed``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.db import models, transaction

from apps.audit.models import DomainEvent
from apps.audit.services import event_record

# The attribute by which ``row_lock`` marks the instance it locked.
_LOCK_MARK = "_transition_locked_in"

Refusal = Callable[[models.Model, str], Exception]


@dataclass(frozen=True)
class TransitionResult:
    """What ``transition_apply`` did. ``changed`` is False for a no-op (already in the target state): nothing was
    saved and ``event`` is None."""

    instance: models.Model
    old_status: str
    new_status: str
    event: DomainEvent | None

    @property
    def changed(self) -> bool:
        return self.event is not None


def row_lock(instance: models.Model, *, related: Iterable[str] = ()) -> models.Model:
    """The row of ``instance`` re-read under ``SELECT … FOR UPDATE`` (only its own table is locked when related
    rows are joined). Must run inside ``transaction.atomic``; the returned instance is marked as locked, so
    ``transition_apply`` uses it as it is (with the caller's unsaved edits) instead of locking again."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("row_lock needs a transaction: wrap the service in transaction.atomic.")
    related = tuple(related)
    rows = type(instance)._default_manager.select_for_update(of=("self",) if related else ())
    locked = rows.select_related(*related).get(pk=instance.pk) if related else rows.get(pk=instance.pk)
    setattr(locked, _LOCK_MARK, True)
    return locked


def mark_row_locked(instance: models.Model) -> models.Model:
    """Mark ``instance`` as locked when the caller took the lock with its own ``select_for_update`` query (e.g.
    through a visibility selector, so a hidden row stays DoesNotExist). Same transaction rules as ``row_lock``."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("mark_row_locked needs the transaction that took the lock.")
    setattr(instance, _LOCK_MARK, True)
    return instance


def row_is_locked(instance: models.Model) -> bool:
    """Whether ``instance`` came from ``row_lock`` and a transaction is running (the one that took the lock: the
    services call both in one ``transaction.atomic``)."""
    return bool(getattr(instance, _LOCK_MARK, False)) and transaction.get_connection().in_atomic_block


def transition_allowed(transitions: Mapping[str, Iterable[str]], current: str, target: str) -> bool:
    return target in transitions.get(current, ())


def transition_check(instance: models.Model, target: str, *, transitions: Mapping[str, Iterable[str]],
                     refuse: Refusal, field: str = "status") -> None:
    """Raise ``refuse(instance, target)`` (the service's own error and message) unless the map allows the move from
    the instance's current state to ``target``. The maps list no self-loops, so a repeat is refused here."""
    if not transition_allowed(transitions, getattr(instance, field), target):
        raise refuse(instance, target)


def transition_apply(instance: models.Model, target: str, *, actor, event_code: str,
                     transitions: Mapping[str, Iterable[str]], refuse: Refusal, field: str = "status",
                     changes: Mapping[str, Any] | None = None, update_fields: Iterable[str] = (),
                     data: Mapping[str, Any] | None = None, related: Iterable[str] = (),
                     event_target: models.Model | None = None) -> TransitionResult:
    """Move ``instance`` to ``target`` (R-AUD-2): lock the row, return a no-op when it is already there, check the
    edge against ``transitions`` (``refuse`` builds the error), set ``changes`` and the status, ``full_clean``,
    ``save(update_fields=…)`` and record ``event_code`` with ``{"old_status", "new_status", **data}`` — all in the
    caller's transaction (one is opened if there is none). The event is filed under ``event_target`` if given (a
    record whose history it belongs to), else under the instance.

    ``instance`` from ``row_lock`` in this transaction is used as it is, unsaved edits included (name them in
    ``update_fields`` or pass them as ``changes``); any other instance is locked and re-read first, so only
    ``changes`` are applied to it. Raises the refusal, or ValidationError from ``full_clean``; changes nothing then.
    """
    with transaction.atomic():
        if not row_is_locked(instance):
            instance = row_lock(instance, related=related)
        old = getattr(instance, field)
        if old == target:
            return TransitionResult(instance=instance, old_status=old, new_status=target, event=None)
        transition_check(instance, target, transitions=transitions, refuse=refuse, field=field)
        for name, value in (changes or {}).items():
            setattr(instance, name, value)
        setattr(instance, field, target)
        instance.full_clean()
        instance.save(update_fields=list(dict.fromkeys([field, *(changes or {}), *update_fields])))
        event = event_record(actor=actor, code=event_code, target=event_target or instance,
                             data={"old_status": old, "new_status": target, **(data or {})})
    return TransitionResult(instance=instance, old_status=old, new_status=target, event=event)


def status_event_record(*, actor, code: str, target: models.Model, old_status: str | None, new_status: str,
                        data: Mapping[str, Any] | None = None) -> DomainEvent:
    """An event about a status that ``transition_apply`` does not move (a record created in its first state, an
    event that leaves the state as it is): the same ``old_status``/``new_status`` payload schema."""
    return event_record(actor=actor, code=code, target=target,
                        data={"old_status": old_status, "new_status": new_status, **(data or {})})
