"""Reads of hot lists and hits: which lists are usable right now (R-HOT-2), what a person may see, the logged hit
listings (R-AUD-1), back-searches (R-READ-3), supervisors' usage reports and spot checks (R-AUD-3, policy 002) and
the misread review (R-HOT-5)."""

from __future__ import annotations

import random
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection
from django.db.models import Count, Max, Min, Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from apps.accounts.roles import Role
from apps.audit.services import access_log_record
from apps.hotlists.choices import HitStatus, HotListSource
from apps.hotlists.models import Hit, HotList, HotListEntry, HotListEntryReferral, partner_max_age
from apps.reads.archive import read_unarchived_q
from apps.reads.hooks import PlateWatchTarget

AGREEMENT_CHECK_TTL_SECONDS = 60.0
HIT_VIEW_ACTION = "hotlists.hits.view"
LIVE_WINDOW_HOURS = 12
LIVE_LIMIT = 100


class _AgreementCache:
    """Whether a partner agency has an agreement in force today, remembered for a minute per process: agreements
    change by the day (sunset dates), and matching asks once per ingest batch."""

    def __init__(self):
        self._values: dict[tuple[int, object], tuple[float, bool]] = {}
        self._lock = threading.Lock()

    def in_force(self, agency_id: int) -> bool:
        from apps.agreements.models import Agreement
        from apps.agreements.selectors import agreement_in_force_for

        key = (agency_id, timezone.localdate())
        cached = self._values.get(key)
        if cached is not None and cached[0] > time.monotonic():
            return cached[1]
        agency = Agreement._meta.get_field("partner_agency").related_model(pk=agency_id)
        value = agreement_in_force_for(agency=agency) is not None
        with self._lock:
            self._values[key] = (time.monotonic() + AGREEMENT_CHECK_TTL_SECONDS, value)
        return value

    def clear(self) -> None:
        with self._lock:
            self._values.clear()


agreement_cache = _AgreementCache()


# One statement, written out: every ingest batch asks it, and building it through the ORM cost more Python than
# matching a batch's partial patterns (issue #19). Same meaning as HotList.objects.filter(active=True,
# current_version__isnull=False).filter(Q(source=OWN) | Q(last_refreshed_at__gt=fresh_after)).
_USABLE_VERSIONS_SQL = """
SELECT h.id, h.source, h.agency_id, h.current_version_id, v.number
FROM hotlists_hotlist h JOIN hotlists_hotlistversion v ON v.id = h.current_version_id
WHERE h.active AND (h.source = %s OR h.last_refreshed_at > %s)
"""


def hot_list_usable_versions(*, now: datetime | None = None) -> dict[int, tuple[int, int]]:
    """{list id: (version id, version number)} of the lists that may match right now: active, with a version, and —
    for another agency's list — refreshed within ``PARTNER_HOTLIST_MAX_AGE_HOURS`` (R-HOT-2, computed here, live,
    never by a task) and, for a partner, under an agreement in force (R-SHR-2). One small query."""
    now = now or timezone.now()
    fresh_after = now - partner_max_age()
    with connection.cursor() as cursor:
        cursor.execute(_USABLE_VERSIONS_SQL,
                       [HotListSource.OWN.value, connection.ops.adapt_datetimefield_value(fresh_after)])
        rows = cursor.fetchall()
    usable = {}
    for list_id, source, agency_id, version_id, number in rows:
        if source == HotListSource.PARTNER and not agreement_cache.in_force(agency_id):
            continue
        usable[list_id] = (version_id, number)
    return usable


@dataclass(frozen=True)
class ListState:
    matching: bool
    stale: bool
    stale_since: datetime | None
    reason: str = ""
    fresh_until: datetime | None = None


def hot_list_state(hot_list: HotList, *, now: datetime | None = None) -> ListState:
    """Why a list does or does not match right now, in words for the pages (shown everywhere the list is)."""
    now = now or timezone.now()
    since = hot_list.stale_since()
    stale = since is not None and since <= now
    if not hot_list.active:
        return ListState(False, stale, since, "Inactive: this list does not match.")
    if stale:
        when = timezone.localtime(since).strftime("%Y-%m-%d %H:%M")
        hours = settings.PORTAL["PARTNER_HOTLIST_MAX_AGE_HOURS"]
        return ListState(False, True, since, f"STALE since {when}: not refreshed for {hours} hours, so it does not "
                                             "match (R-HOT-2).")
    if hot_list.source == HotListSource.PARTNER and not agreement_cache.in_force(hot_list.agency_id):
        return ListState(False, False, None, "No sharing agreement in force with this agency: it does not match.")
    return ListState(True, False, None, "", fresh_until=since)


def hot_list_list_visible_to(*, user) -> QuerySet[HotList]:
    lists = HotList.objects.select_related("agency", "owner", "current_version")
    if not user.is_authenticated or not user.has_perm("hotlists.view_hotlist"):
        return lists.none()
    return lists


def hot_lists_watch_targets(*, user) -> list[PlateWatchTarget]:
    """The agency's own active lists ``user`` may add entries to, offered on a plate's story (R-HOT-1: a standing
    alert is a hot-list entry with its own reason and expiry); registered with reads in ``HotlistsConfig.ready``."""
    if not user.has_perm("hotlists.manage_entries"):
        return []
    lists = hot_list_list_visible_to(user=user).filter(source=HotListSource.OWN, active=True).order_by("name")
    return [PlateWatchTarget(name=hot_list.name, url=reverse("hotlists:entry_add", args=[hot_list.pk]))
            for hot_list in lists]


def hot_list_entry_referral_list_visible_to(*, user) -> QuerySet[HotListEntryReferral]:
    """R-HOT-7: referrals of erroneous entries back to their originating agency, for those who see the errors."""
    if not user.is_authenticated or not user.has_perm("hotlists.view_hotlistentryerror"):
        return HotListEntryReferral.objects.none()
    return HotListEntryReferral.objects.filter(error__hot_list__in=hot_list_list_visible_to(user=user))


def hot_list_entries_current(*, hot_list: HotList) -> QuerySet[HotListEntry]:
    return (HotListEntry.objects.filter(hot_list=hot_list, removed_in__isnull=True)
            .select_related("entered_by", "added_in").order_by("plate_pattern", "state"))


# --- Hits ----------------------------------------------------------------------------------------------------------


def hit_list_visible_to(*, user) -> QuerySet[Hit]:
    """Hits a person may see: everyone with ``hotlists.view_hit`` (operators, dispatch, supervisors, investigators,
    administrators); hits on archived reads only for administrators (as for reads, R-RET-1)."""
    hits = Hit.objects.select_related("read", "entry", "hot_list", "camera", "version", "confirmed_by",
                                      "dismissed_by", "action_by")
    if not user.is_authenticated or not user.has_perm("hotlists.view_hit"):
        return hits.none()
    if user.has_role(Role.SYSADMIN):
        return hits
    return hits.filter(read_unarchived_q("read__"))  # R-RET-1


def hits_live_order(hits: QuerySet[Hit]) -> QuerySet[Hit]:
    """Unconfirmed hits first, then by priority (1 = most urgent), newest first."""
    from django.db.models import Case, IntegerField, Value, When

    return hits.annotate(open_rank=Case(When(status=HitStatus.NEW, then=Value(0)), default=Value(1),
                                        output_field=IntegerField())).order_by("open_rank", "priority", "-matched_at",
                                                                               "-id")


def hits_live(*, user, after: int = 0):
    """The hits the live page shows: every unconfirmed or confirmed-but-not-closed hit, and the last hours'."""
    since = timezone.now() - timedelta(hours=LIVE_WINDOW_HOURS)
    hits = hit_list_visible_to(user=user).filter(Q(status__in=[HitStatus.NEW, HitStatus.CONFIRMED])
                                                 | Q(matched_at__gte=since))
    if after:
        hits = hits.filter(pk__gt=after)
    return list(hits_live_order(hits)[:LIVE_LIMIT])


def hits_exigent_to_review(*, user, reviewed_limit: int = 20) -> tuple[list[Hit], list[Hit]]:
    """Actions taken before confirmation (R-HOT-4a): (waiting for review, oldest first; the last reviewed). Empty
    for a person without ``hotlists.review_exigent_hit``."""
    if not user.is_authenticated or not user.has_perm("hotlists.review_exigent_hit"):
        return [], []
    exigent = hit_list_visible_to(user=user).filter(confirmation_method="exigent").select_related(
        "exigent_reviewed_by")
    pending = list(exigent.filter(exigent_reviewed_at__isnull=True).order_by("action_at", "id"))
    reviewed = list(exigent.filter(exigent_reviewed_at__isnull=False).order_by("-exigent_reviewed_at")[
        :reviewed_limit])
    return pending, reviewed


def hit_case_number(hit: Hit) -> str:
    return hit.entry.case_number or f"HOTLIST-{hit.hot_list_id}-{hit.entry_id}"


def hits_log_shown(*, user, hits: list[Hit], context, request=None, endpoint: str = "") -> None:
    """Write the access log for hits shown to a person (R-AUD-1a): hits show read data (plate, time, place, image).

    One row for everything one response shows, under the purpose and case number the *person* stated
    (``apps.audit.access_context``) — never one derived from the hot-list entry, which says why the plate is wanted,
    not why this person is looking. The entries' case numbers are kept among the data elements.
    """
    access_log_record(
        user=user, action=HIT_VIEW_ACTION,
        data_elements={"hits": [h.pk for h in hits], "reads": [h.read_id for h in hits],
                       "plates": sorted({h.plate for h in hits}),
                       "hot_lists": sorted({h.hot_list_id for h in hits}),
                       "entry_cases": sorted({hit_case_number(h) for h in hits})},
        purpose=context.purpose, case_number=context.case_number, result_count=len(hits), request=request,
        endpoint=endpoint,
    )


def hit_back_search(*, user, entry: HotListEntry, days: int, purpose: str, case_number: str, page: int = 1,
                    request=None, endpoint: str = ""):
    """Earlier sightings of an entry's plate (full or partial) over the last ``days`` days: the reads app's own
    search (same pattern semantics, same bounds), which requires the purpose and case number and writes the access
    log before returning (R-READ-3). Raises what ``read_search`` raises."""
    from apps.reads.selectors import read_search, read_search_build

    now = timezone.now()
    search = read_search_build(plate=entry.plate_pattern, start=now - timedelta(days=int(days)), end=now, now=now)
    return read_search(user=user, search=search, purpose=purpose, case_number=case_number, page=page, page_size=50,
                       request=request, endpoint=endpoint)


# --- Supervisors: usage per officer and shift (policy 002, R-AUD-3) ------------------------------------------------


def team_for(*, user) -> QuerySet:
    """The officers whose usage a person may review: a supervisor's direct reports; administrators everyone with an
    internal role."""
    from apps.accounts.models import User

    people = User.objects.filter(is_active=True).select_related("supervisor").order_by("last_name", "username")
    if not user.is_authenticated or not user.has_perm("hotlists.view_usage_report"):
        return people.none()
    if user.has_role(Role.SYSADMIN):
        return people.filter(groups__name__in=[Role.OPERATOR, Role.INVESTIGATOR, Role.SUPERVISOR]).distinct()
    return people.filter(supervisor=user)


@dataclass
class OfficerShift:
    officer: object
    shift_start: datetime
    shift_end: datetime
    logins: list[datetime] = field(default_factory=list)
    last_login: datetime | None = None
    units: list = field(default_factory=list)
    units_out_of_service: list = field(default_factory=list)
    reads: int = 0
    first_read: datetime | None = None
    last_read: datetime | None = None
    hits: int = 0
    hits_confirmed_by_officer: int = 0
    queries: int = 0

    @property
    def logged_on(self) -> bool:
        return bool(self.logins) or bool(self.last_login and self.shift_start <= self.last_login < self.shift_end)

    @property
    def unit_active(self) -> bool:
        return self.reads > 0


def usage_report(*, user, start: datetime, end: datetime) -> list[OfficerShift]:
    """Per officer for the shift [start, end): logged on (successful logins from django-axes' access log, or
    ``last_login``), their mobile units and whether any was out of service, reads captured by those units, hits on
    those reads, hits the officer confirmed or dismissed, and queries of ALPR data they ran (the access log)."""
    from axes.models import AccessLog as LoginLog

    from apps.audit.models import AccessLog
    from apps.reads.choices import CameraStatus
    from apps.reads.models import Camera, CameraStatusReport, Read

    officers = list(team_for(user=user))
    if not officers:
        return []
    ids = [o.pk for o in officers]
    rows = {o.pk: OfficerShift(officer=o, shift_start=start, shift_end=end, last_login=o.last_login) for o in officers}
    usernames = {o.get_username(): o.pk for o in officers}
    for username, moment in (LoginLog.objects.filter(username__in=list(usernames), attempt_time__gte=start,
                                                     attempt_time__lt=end).values_list("username", "attempt_time")):
        rows[usernames[username]].logins.append(moment)
    units = list(Camera.objects.filter(assigned_officer_id__in=ids))
    unit_owner = {unit.pk: unit.assigned_officer_id for unit in units}
    for unit in units:
        rows[unit.assigned_officer_id].units.append(unit)
    # Out of service at any moment of the shift: the report in force at its start, or a report during it.
    for unit in units:
        reports = list(CameraStatusReport.objects.filter(camera=unit, effective_at__lt=end).order_by("effective_at"))
        in_force = [r for r in reports if r.effective_at <= start][-1:]
        during = [r for r in reports if r.effective_at > start]
        if any(r.status == CameraStatus.OUT_OF_SERVICE for r in in_force + during):
            rows[unit.assigned_officer_id].units_out_of_service.append(unit)
    if unit_owner:
        for row in (Read.objects.filter(camera_id__in=list(unit_owner), captured_at__gte=start, captured_at__lt=end)
                    .values("camera_id").annotate(n=Count("id"))):
            rows[unit_owner[row["camera_id"]]].reads += row["n"]
        for row in (Read.objects.filter(camera_id__in=list(unit_owner), captured_at__gte=start, captured_at__lt=end)
                    .values("camera_id").annotate(first=Min("captured_at"), last=Max("captured_at"))):
            shift = rows[unit_owner[row["camera_id"]]]
            shift.first_read = min(filter(None, [shift.first_read, row["first"]]))
            shift.last_read = max(filter(None, [shift.last_read, row["last"]]))
        for row in (Hit.objects.filter(camera_id__in=list(unit_owner), captured_at__gte=start, captured_at__lt=end)
                    .values("camera_id").annotate(n=Count("id"))):
            rows[unit_owner[row["camera_id"]]].hits += row["n"]
    handled = Counter()
    for confirmed_by, dismissed_by in (Hit.objects.filter(
            Q(confirmed_by_id__in=ids, confirmed_at__gte=start, confirmed_at__lt=end)
            | Q(dismissed_by_id__in=ids, dismissed_at__gte=start, dismissed_at__lt=end))
            .values_list("confirmed_by_id", "dismissed_by_id")):
        handled[confirmed_by if confirmed_by in rows else dismissed_by] += 1
    for pk, n in handled.items():
        rows[pk].hits_confirmed_by_officer = n
    # Queries the officer ran (searches, views, exports…); hits shown to them are logged too but are not queries.
    for row in (AccessLog.objects.filter(user_id__in=ids, occurred_at__gte=start, occurred_at__lt=end)
                .exclude(action=HIT_VIEW_ACTION).values("user_id").annotate(n=Count("id"))):
        rows[row["user_id"]].queries = row["n"]
    return [rows[o.pk] for o in officers]


def spot_check_queries(*, user, days: int = 30, count: int = 5, seed: int | None = None) -> list:
    """A random pick of recent queries by the person's team (R-AUD-3, policy 002: "random audits"), from the access
    log rows the person may review. Simple on purpose; the full sampled audit with findings is apps.audits."""
    from apps.audit.choices import Purpose
    from apps.audit.selectors import access_log_list_visible_to

    since = timezone.now() - timedelta(days=days)
    rows = (access_log_list_visible_to(user=user).filter(occurred_at__gte=since, purpose__in=Purpose.values)
            .exclude(user=user).exclude(action=HIT_VIEW_ACTION))
    ids = list(rows.values_list("id", flat=True)[:100000])
    rng = random.SystemRandom() if seed is None else random.Random(seed)
    picked = rng.sample(ids, min(count, len(ids)))
    return list(rows.filter(id__in=picked).select_related("user").order_by("-occurred_at"))


# --- Data quality (R-HOT-5) ----------------------------------------------------------------------------------------


def misread_review(*, since: datetime) -> dict:
    """Decided hits since ``since`` per camera and per engine (``metadata.engine``, else the agent, else the camera
    kind): how many were misreads, and the misread rate."""
    decided = Hit.objects.filter(matched_at__gte=since).exclude(status=HitStatus.NEW)
    by_camera = list(decided.values("camera_id", "camera__name").annotate(
        decided=Count("id"), misreads=Count("id", filter=Q(status=HitStatus.MISREAD))).order_by("-misreads",
                                                                                               "camera__name"))
    engines: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for status, metadata, kind in decided.values_list("status", "read__metadata", "camera__kind"):
        metadata = metadata if isinstance(metadata, dict) else {}
        engine = str(metadata.get("engine") or ("OpenALPR agent" if metadata.get("agent_uid") else f"{kind} camera"))
        engines[engine][0] += 1
        engines[engine][1] += status == HitStatus.MISREAD
    by_engine = [{"engine": name, "decided": d, "misreads": m} for name, (d, m) in
                 sorted(engines.items(), key=lambda item: (-item[1][1], item[0]))]
    for row in by_camera + by_engine:
        row["rate"] = round(100 * row["misreads"] / row["decided"], 1) if row["decided"] else 0.0
    return {"by_camera": by_camera, "by_engine": by_engine}
