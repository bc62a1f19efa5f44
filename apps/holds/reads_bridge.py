"""The one place where holds use the reads app: resolving a hold's scope with the reads app's own search.

A plate + time range + cameras scope is validated by ``apps.reads.selectors.read_search_build`` (R-READ-4 patterns,
bounded time range) and matched by the reads app's matching query, so partial plates, corrections and archive
visibility mean exactly what they mean on the search page. Selected reads are looked up through
``read_list_visible_to``. Logging the access is the caller's job (it knows the case).
"""

from __future__ import annotations

from datetime import datetime

from apps.reads import selectors as read_selectors
from apps.reads.models import Read


def hold_scope_search_rows(*, user, plate: str, time_from: datetime, time_to: datetime, camera_ids,
                           limit: int) -> tuple[int, list[tuple[int, datetime]], dict]:
    """(total matches, up to ``limit`` + 1 (id, captured_at) rows, data elements) of a plate/time/camera scope.
    Raises the reads app's ApplicationError for an invalid search (pattern too vague, range too long…)."""
    search = read_selectors.read_search_build(plate=plate, start=time_from, end=time_to, camera_ids=camera_ids)
    include_archived = read_selectors.read_is_admin(user)
    total, rows = read_selectors.read_matching_rows(search=search, include_archived=include_archived,
                                                     limit=limit + 1)
    return total, rows, {**search.data_elements(), "include_archived": include_archived}


def hold_scope_selected(*, user, read_ids) -> tuple[list[tuple[int, datetime]], list[int], list[int]]:
    """((id, captured_at) of the visible reads, ids that exist but this person may not see, ids that no longer
    exist). The capture times come from the database, never from the client."""
    wanted = sorted({int(pk) for pk in read_ids})
    visible = dict(read_selectors.read_list_visible_to(user=user).filter(pk__in=wanted)
                   .values_list("pk", "captured_at"))
    existing = set(Read.objects.filter(pk__in=wanted).values_list("pk", flat=True))
    hidden = [pk for pk in wanted if pk in existing and pk not in visible]
    return [(pk, visible[pk]) for pk in wanted if pk in visible], hidden, [pk for pk in wanted if pk not in existing]


def reads_of_rows(rows: list[tuple[int, datetime]]) -> dict[int, Read]:
    """The reads of (id, captured_at) rows by id, with their cameras, each looked up in its own month only."""
    return read_selectors.reads_in_their_months(rows)
