"""The audit trail's domain events as tests read them: one helper instead of a copy per test module."""

from __future__ import annotations

from apps.audit.models import DomainEvent


def domain_events(code_prefix: str, *, target=None, fields: tuple[str, ...] = ("code",)) -> list:
    """Events whose code starts with ``code_prefix`` (about ``target`` when given), oldest first: their codes, or
    tuples of ``fields`` (e.g. ``("code", "data__old", "data__new")``) when more than one field is asked."""
    events = DomainEvent.objects.filter(code__startswith=code_prefix)
    if target is not None:
        events = events.filter(target_id=str(target.pk))
    events = events.order_by("id")
    if len(fields) == 1:
        return list(events.values_list(fields[0], flat=True))
    return list(events.values_list(*fields))
