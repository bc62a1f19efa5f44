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


def hold_scope_search_ids(*, user, plate: str, time_from: datetime, time_to: datetime, camera_ids,
                          limit: int) -> tuple[int, list[int], dict]:
    """(total matches, up to ``limit`` + 1 ids, data elements) of a plate/time/camera scope. Raises the reads
    app's ApplicationError for an invalid search (pattern too vague, range too long…)."""
    search = read_selectors.read_search_build(plate=plate, start=time_from, end=time_to, camera_ids=camera_ids)
    include_archived = read_selectors.read_is_admin(user)
    total, ids = read_selectors.read_matching_ids(search=search, include_archived=include_archived,
                                                    limit=limit + 1)
    return total, ids, {**search.data_elements(), "include_archived": include_archived}


def hold_scope_selected(*, user, read_ids) -> tuple[list[int], list[int], list[int]]:
    """(visible ids, ids that exist but this person may not see, ids that no longer exist)."""
    wanted = sorted({int(pk) for pk in read_ids})
    visible = set(read_selectors.read_list_visible_to(user=user).filter(pk__in=wanted).values_list("pk", flat=True))
    existing = set(Read.objects.filter(pk__in=wanted).values_list("pk", flat=True))
    return ([pk for pk in wanted if pk in visible], [pk for pk in wanted if pk in existing - visible],
            [pk for pk in wanted if pk not in existing])


def reads_by_id(ids) -> dict[int, Read]:
    return Read.objects.select_related("camera").in_bulk(list(ids))
