"""The supervisors' review queue of protected-activity justifications (R-PURP-2).

Two kinds of subjects: access-log rows of searches without a plate (``data_elements.plate_less`` is true; the
justification is ``data_elements.justification``) and hot-list entries whose reason is "other". A search shown page
by page writes one row per page; the queue shows the first page's row (and exports), which carry the same
justification.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q, QuerySet

from apps.audit.models import AccessLog
from apps.hotlists.choices import EntryReason
from apps.hotlists.models import HotListEntry
from apps.justifications.models import JustificationReview

PLATE_LESS_ACTIONS = ("reads.search", "reads.export")


def plate_less_searches() -> QuerySet[AccessLog]:
    """Every access-log row of a search or export without a plate (R-PURP-2), first pages only."""
    return (AccessLog.objects.filter(action__in=PLATE_LESS_ACTIONS, data_elements__plate_less=True)
            .filter(Q(data_elements__page=1) | ~Q(data_elements__has_key="page"))
            .select_related("user"))


def other_reason_entries() -> QuerySet[HotListEntry]:
    return (HotListEntry.objects.filter(reason=EntryReason.OTHER)
            .select_related("hot_list", "entered_by", "attested_by", "removed_in"))


@dataclass
class JustificationQueue:
    searches: list[AccessLog]
    entries: list[HotListEntry]
    reviews: list[JustificationReview]


def justification_queue_for(*, user, limit: int = 200) -> JustificationQueue:
    """What ``user`` may review: nothing without ``justifications.review_justifications``; otherwise the pending
    searches and entries (oldest first) and the latest reviews. A person's own searches and entries are left out
    (nobody reviews themselves)."""
    if not user.is_authenticated or not user.has_perm("justifications.review_justifications"):
        return JustificationQueue([], [], [])
    searches = list(plate_less_searches().filter(justification_review__isnull=True).exclude(user=user)
                    .order_by("seq")[:limit])
    entries = list(other_reason_entries().filter(justification_review__isnull=True).exclude(entered_by=user)
                   .order_by("created_at", "id")[:limit])
    reviews = list(JustificationReview.objects.select_related("reviewed_by", "subject_user", "access_log",
                                                              "hot_list_entry__hot_list")[:50])
    return JustificationQueue(searches=searches, entries=entries, reviews=reviews)


def justification_pending_count(*, user) -> int:
    if not user.is_authenticated or not user.has_perm("justifications.review_justifications"):
        return 0
    return (plate_less_searches().filter(justification_review__isnull=True).exclude(user=user).count()
            + other_reason_entries().filter(justification_review__isnull=True).exclude(entered_by=user).count())
