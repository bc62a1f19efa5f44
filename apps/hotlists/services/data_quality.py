"""Erroneous entries, referrals to the originating agency and data-quality reviews (R-HOT-7, policy 004 §IV)."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from apps.accounts.roles import Role
from apps.audit.services import event_record
from apps.audit.transitions import row_lock, transition_apply, transition_check
from apps.common.errors import ApplicationError
from apps.hotlists.choices import (
    ENTRY_ERROR_TRANSITIONS,
    REFERRAL_TRANSITIONS,
    EntryErrorKind,
    EntryErrorStatus,
    HitStatus,
    HotListSource,
    ReferralStatus,
    VersionKind,
)
from apps.hotlists.models import (
    Hit,
    HotList,
    HotListEntry,
    HotListEntryError,
    HotListEntryReferral,
    HotListQualityReview,
)
from apps.hotlists.services.lists import NOT_ALLOWED_TO_MANAGE, hot_list_version_next, permission_require
from apps.notifications.models import Severity
from apps.notifications.services import notification_send, notifications_resolve

ERROR_DESCRIPTION_REQUIRED = "Say what is wrong with the entry: the error record keeps it (R-HOT-7)."
ERROR_ENTRY_NOT_CURRENT = "This entry is no longer on the list; an error can be recorded only for an entry in force."
ERROR_ALREADY_RECORDED = "An error is already recorded for this entry."
ERROR_NOT_OPEN = "This error is already resolved."
RESOLUTION_NOTE_REQUIRED = "Say how the error was resolved (e.g. the originating agency corrected its record)."
REFERRAL_NOT_PENDING = "This referral was already marked sent on {date}."
REFERRAL_VIA_REQUIRED = "Say how the referral went out (e.g. “e-mail to records@agency.gov”, “CLETS message 123”)."
NOT_ALLOWED_TO_REFER = "You may not record referrals to originating agencies."
NOT_ALLOWED_TO_REVIEW_QUALITY = "You may not record data-quality reviews."
QUALITY_SCOPE_REQUIRED = "Say what the review covered (lists, entries, period, method)."
QUALITY_FINDINGS_REQUIRED = "Record the findings, even “no errors found”."
ERRONEOUS_HIT_NOTE = (
    "Closed automatically: the hot-list entry was marked erroneous (error record {error}): {description}"
)


# --- Errors, referrals and data-quality reviews (R-HOT-7, policy 004 §IV) ----------------------------------------


def _originating_agency(hot_list: HotList):
    """The agency that originated a list's entries when it is not ours (None for our own lists)."""
    from apps.agencies.selectors import agency_get_deploying

    if hot_list.source == HotListSource.OWN:
        return None, ""
    deploying = agency_get_deploying()
    if hot_list.agency_id and deploying is not None and hot_list.agency_id == deploying.pk:
        return None, ""
    if hot_list.agency is not None:
        return hot_list.agency, hot_list.agency.name
    return None, HotListSource(hot_list.source).label


@transaction.atomic
def hot_list_entry_mark_erroneous(*, actor, entry: HotListEntry, kind: str, description: str) -> HotListEntryError:
    """Record that an entry is erroneous (R-HOT-7): who, when, what was wrong. In the same transaction the entry is
    taken off its list as a new version, so it stops matching at once — reads still waiting in ``PendingMatch`` are
    matched against that version and find nothing — and its unconfirmed hits are closed as not actionable with the
    reason. While the error is open, re-imports withhold the same plate and state. An entry of another agency gets a
    referral back to it, which a supervisor marks sent; supervisors are notified.

    Raises PermissionDeniedError without ``hotlists.manage_entries``; ApplicationError without a description, for an
    entry no longer on the list, or when an error is already recorded for it."""
    permission_require(actor, "hotlists.manage_entries", NOT_ALLOWED_TO_MANAGE)
    EntryErrorKind(kind)
    description = (description or "").strip()
    if not description:
        raise ApplicationError(ERROR_DESCRIPTION_REQUIRED, code="description_required")
    hot_list = HotList.objects.select_for_update().get(pk=entry.hot_list_id)
    entry = HotListEntry.objects.select_for_update().get(pk=entry.pk)
    if HotListEntryError.objects.filter(entry=entry).exists():
        raise ApplicationError(ERROR_ALREADY_RECORDED, code="error_already_recorded")
    if entry.removed_in_id is not None:
        raise ApplicationError(ERROR_ENTRY_NOT_CURRENT, code="entry_not_current")
    now = timezone.now()
    previous = hot_list.current_version
    version = hot_list_version_next(hot_list=hot_list, actor=actor, kind=VersionKind.ENTRY_ERROR, removed=1,
                                    entry_count=max((previous.entry_count if previous else 1) - 1, 0),
                                    note=f"{entry.plate_pattern} marked erroneous: {description}"[:2000],
                                    created_at=now)
    entry.removed_in = version
    entry.save(update_fields=["removed_in"])
    hot_list.current_version = version
    hot_list.save(update_fields=["current_version"])
    error = HotListEntryError(hot_list=hot_list, entry=entry, plate_pattern=entry.plate_pattern, state=entry.state,
                              kind=kind, description=description, reported_by=actor, reported_at=now,
                              removed_in=version)
    error.full_clean()
    error.save(force_insert=True)
    open_hits = list(Hit.objects.select_for_update().filter(entry=entry, status=HitStatus.NEW)
                     .values_list("id", flat=True))
    if open_hits:
        Hit.objects.filter(pk__in=open_hits).update(
            status=HitStatus.NOT_ACTIONABLE, dismissed_by=actor, dismissed_at=now, updated_at=now,
            dismissal_note=ERRONEOUS_HIT_NOTE.format(error=error.pk, description=description)[:2000])
        error.hits_closed = len(open_hits)
        error.save(update_fields=["hits_closed"])
    agency, agency_name = _originating_agency(hot_list)
    referral = None
    if agency_name:
        referral = HotListEntryReferral(error=error, agency=agency, agency_name=agency_name, created_at=now)
        referral.full_clean()
        referral.save(force_insert=True)
    event_record(actor=actor, code="alprportal.hotlists.entry.erroneous", target=hot_list,
                 data={"error": error.pk, "entry": entry.pk, "version": version.number,
                       "plate_pattern": entry.plate_pattern, "state": entry.state, "kind": kind,
                       "what": description, "hits_closed": open_hits,
                       "referred_to": agency_name or None})
    body = (f"{entry.plate_pattern} on “{hot_list}” was marked erroneous by {actor}: {description}. It no longer "
            "matches (R-HOT-7).")
    if referral is not None:
        body += f" Refer it to {agency_name} and record the referral as sent."
    notification_send(roles=[Role.SUPERVISOR], severity=Severity.WARNING,
                      title=f"Hot-list entry marked erroneous{' — referral to ' + agency_name if referral else ''}",
                      body=body, link=reverse("hotlists:errors"), dedupe_key=f"hotlist-entry-error:{error.pk}")
    return error


@transaction.atomic
def hot_list_entry_error_resolve(*, actor, error: HotListEntryError, note: str) -> HotListEntryError:
    """Close an error record (R-HOT-7): the entry was corrected (by us, or by the originating agency in its next
    file). From then on a re-import may carry the plate again. The entry itself stays off: a corrected entry comes
    back as a new entry or with the originating agency's next file."""
    permission_require(actor, "hotlists.manage_entries", NOT_ALLOWED_TO_MANAGE)
    note = (note or "").strip()
    if not note:
        raise ApplicationError(RESOLUTION_NOTE_REQUIRED, code="note_required")
    error = row_lock(error)
    machine = {"transitions": ENTRY_ERROR_TRANSITIONS,
               "refuse": lambda *_: ApplicationError(ERROR_NOT_OPEN, code="error_not_open")}
    transition_check(error, EntryErrorStatus.RESOLVED, **machine)
    transition_apply(error, EntryErrorStatus.RESOLVED, actor=actor,
                     event_code="alprportal.hotlists.entry_error.resolved",
                     changes={"resolved_by": actor, "resolved_at": timezone.now(), "resolution_note": note},
                     data={"error": error.pk, "note": note}, event_target=error.hot_list, **machine)
    notifications_resolve(dedupe_keys=[f"hotlist-entry-error:{error.pk}"])
    return error


@transaction.atomic
def hot_list_entry_referral_mark_sent(*, actor, referral: HotListEntryReferral, via: str) -> HotListEntryReferral:
    """pending → sent (R-HOT-7): a supervisor records when (the server's time) and how the referral of an erroneous
    entry went out to its originating agency."""
    permission_require(actor, "hotlists.send_referral", NOT_ALLOWED_TO_REFER)
    via = (via or "").strip()
    if not via:
        raise ApplicationError(REFERRAL_VIA_REQUIRED, code="via_required")
    referral = row_lock(referral)
    machine = {"transitions": REFERRAL_TRANSITIONS, "refuse": lambda referral, _target: ApplicationError(
        REFERRAL_NOT_PENDING.format(date=f"{timezone.localtime(referral.sent_at):%Y-%m-%d}"),
        code="referral_not_pending")}
    transition_check(referral, ReferralStatus.SENT, **machine)
    transition_apply(referral, ReferralStatus.SENT, actor=actor, event_code="alprportal.hotlists.entry_referral.sent",
                     changes={"sent_by": actor, "sent_at": timezone.now(), "sent_via": via[:200]},
                     data={"error": referral.error_id, "agency": referral.agency_name, "via": via[:200]}, **machine)
    return referral


@transaction.atomic
def hot_list_quality_review_record(*, actor, scope: str, findings: str, hot_list: HotList | None = None,
                                   entries_checked: int = 0, errors_found: int = 0) -> HotListQualityReview:
    """Record a periodic data-quality review (R-HOT-7): who, when (the server's time), scope and findings; empty
    ``hot_list`` covers every list. Resets the overdue alert of the lists it covers."""
    permission_require(actor, "hotlists.add_hotlistqualityreview", NOT_ALLOWED_TO_REVIEW_QUALITY)
    scope, findings = (scope or "").strip(), (findings or "").strip()
    if not scope:
        raise ApplicationError(QUALITY_SCOPE_REQUIRED, code="scope_required")
    if not findings:
        raise ApplicationError(QUALITY_FINDINGS_REQUIRED, code="findings_required")
    review = HotListQualityReview(hot_list=hot_list, scope=scope, findings=findings, reviewed_by=actor,
                                  reviewed_at=timezone.now(), entries_checked=max(int(entries_checked or 0), 0),
                                  errors_found=max(int(errors_found or 0), 0))
    review.full_clean()
    review.save(force_insert=True)
    # The overdue alerts of the lists it covers leave the home pages (issue #17): the review they ask for is done.
    notifications_resolve(dedupe_prefixes=[f"hotlist-quality-overdue:{hot_list.pk}:" if hot_list
                                           else "hotlist-quality-overdue:"])
    event_record(actor=actor, code="alprportal.hotlists.quality_review.recorded", target=review,
                 data={"hot_list": hot_list.pk if hot_list else None, "scope": scope, "findings": findings,
                       "entries_checked": review.entries_checked, "errors_found": review.errors_found})
    return review


def hot_list_quality_review_due(hot_list: HotList) -> datetime:
    """When the list's next data-quality review is due (R-HOT-7): its last review covering it (one of that list or
    of every list), or its creation, plus ``HOTLIST_QUALITY_REVIEW_DAYS``."""
    from datetime import timedelta

    from django.db.models import Q

    last = (HotListQualityReview.objects.filter(Q(hot_list=hot_list) | Q(hot_list__isnull=True))
            .order_by("-reviewed_at").values_list("reviewed_at", flat=True).first())
    return (last or hot_list.created_at) + timedelta(days=settings.PORTAL["HOTLIST_QUALITY_REVIEW_DAYS"])


def hot_list_quality_reviews_alert_overdue(*, now: datetime | None = None) -> int:
    """Alert the owner and the supervisors of every active own-agency list whose data-quality review is overdue
    (R-HOT-7: the agency reviews the information it originates). Idempotent: one alert per list and due date (the
    dedupe key names both). Returns the number of notifications sent."""
    now = now or timezone.now()
    sent = 0
    for hot_list in HotList.objects.filter(active=True, source=HotListSource.OWN).select_related("owner"):
        due = hot_list_quality_review_due(hot_list)
        if due > now:
            continue
        with transaction.atomic():
            created = notification_send(
                recipients=[hot_list.owner], roles=[Role.SUPERVISOR], severity=Severity.WARNING,
                title=f"Data-quality review of “{hot_list.name}” is overdue",
                body=(f"It was due on {timezone.localtime(due):%Y-%m-%d}. Review the list's entries (accuracy, "
                      "currency, justification) and record the review, its scope and findings (R-HOT-7, policy 004 "
                      "§IV)."),
                link=reverse("hotlists:quality"),
                dedupe_key=f"hotlist-quality-overdue:{hot_list.pk}:{due:%Y-%m-%d}",
            )
            if created:
                event_record(actor=None, code="alprportal.hotlists.quality_review.overdue", target=hot_list,
                             data={"due": due})
        sent += len(created)
    return sent
