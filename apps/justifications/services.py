"""Recording a supervisor's review of a justified search or hot-list entry (R-PURP-2)."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone

from apps.audit.models import AccessLog
from apps.audit.services import event_record
from apps.common.errors import ApplicationError, PermissionDeniedError
from apps.hotlists.choices import EntryReason
from apps.hotlists.models import HotListEntry
from apps.justifications.choices import ReviewOutcome, SubjectKind
from apps.justifications.models import JustificationReview
from apps.justifications.selectors import plate_less_searches

NOT_ALLOWED_TO_REVIEW = "You may not review justifications."
REVIEW_OWN = "Nobody reviews their own search or entry; another supervisor must review it."
REVIEW_NOTE_REQUIRED = "Say what the concern is: a concern is recorded with its reason."
REVIEW_ALREADY = "This has already been reviewed by {reviewer} on {date}."
REVIEW_NOT_JUSTIFIED = "This is not a search without a plate nor an entry whose reason is “other”: nothing to review."


@transaction.atomic
def justification_review_record(*, actor, outcome: str, note: str = "", access_log: AccessLog | None = None,
                                 hot_list_entry: HotListEntry | None = None) -> JustificationReview:
    """Record ``actor``'s review of one plate-less search (its access-log row) or one "other" entry (R-PURP-2).

    Raises PermissionDeniedError without ``justifications.review_justifications`` or for one's own subject, and
    ApplicationError for a subject that needs no review, a second review, or a concern without a note."""
    if not actor.has_perm("justifications.review_justifications"):
        raise PermissionDeniedError(NOT_ALLOWED_TO_REVIEW)
    ReviewOutcome(outcome)
    note = (note or "").strip()
    if outcome == ReviewOutcome.CONCERN and not note:
        raise ApplicationError(REVIEW_NOTE_REQUIRED, code="note_required")
    if (access_log is None) == (hot_list_entry is None):
        raise ApplicationError(REVIEW_NOT_JUSTIFIED, code="not_justified")
    if access_log is not None:
        if not plate_less_searches().filter(pk=access_log.pk).exists():
            raise ApplicationError(REVIEW_NOT_JUSTIFIED, code="not_justified")
        kind, subject_user_id, target = SubjectKind.SEARCH, access_log.user_id, access_log
    else:
        hot_list_entry = HotListEntry.objects.select_for_update().get(pk=hot_list_entry.pk)
        if hot_list_entry.reason != EntryReason.OTHER or hot_list_entry.entered_by_id is None:
            raise ApplicationError(REVIEW_NOT_JUSTIFIED, code="not_justified")
        kind, subject_user_id, target = SubjectKind.HOTLIST_ENTRY, hot_list_entry.entered_by_id, hot_list_entry
    if subject_user_id == actor.pk:
        raise PermissionDeniedError(REVIEW_OWN, code="review_own")
    existing = JustificationReview.objects.filter(access_log=access_log, hot_list_entry=hot_list_entry).first()
    if existing is not None:
        raise ApplicationError(REVIEW_ALREADY.format(reviewer=existing.reviewed_by,
                                                     date=f"{timezone.localtime(existing.reviewed_at):%Y-%m-%d}"),
                               code="already_reviewed")
    review = JustificationReview(kind=kind, access_log=access_log, hot_list_entry=hot_list_entry,
                                 access_log_seq=access_log.seq if access_log is not None else None,
                                 subject_user_id=subject_user_id, reviewed_by=actor, reviewed_at=timezone.now(),
                                 outcome=outcome, note=note)
    review.full_clean()
    try:
        with transaction.atomic():
            review.save(force_insert=True)
    except IntegrityError as exc:  # a concurrent review of the same subject
        raise ApplicationError(REVIEW_ALREADY.format(reviewer="another supervisor", date="just now"),
                               code="already_reviewed") from exc
    event_record(actor=actor, code="alprportal.justifications.review.recorded", target=review,
                 data={"kind": kind, "subject": target.pk, "subject_user": subject_user_id, "outcome": outcome,
                       "note": note})
    return review
