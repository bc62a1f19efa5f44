"""The portal reads its own access log (R-AUD-3): a nightly (and on-demand) review computes flags, each with its
reason and the rows behind it.

Reproducible: the review is a pure function of the access-log rows in its window (and of the recorded shifts); each
flag's ``fingerprint`` names what it is about (person + plate, person + day, person + case number…), so a rerun over
the same log finds the same flags and creates none twice; an open flag whose pattern grew gets the new rows.

Patterns (thresholds in settings.PORTAL["MISUSE_*"]):
- ``plate_many_cases``: one person, one plate, several case numbers;
- ``plate_repeated_weeks``: one person, one plate, look-ups in several distinct weeks;
- ``off_shift``: a person whose unit sign-ons are recorded (R-OPS-1) searching outside every shift they signed on;
- ``on_leave``: a person searching on a day of leave their supervisor recorded (``apps.shifts.models.LeavePeriod``);
- ``volume_own`` / ``volume_peers``: a day far above the person's own median day, a week far above the peers' median;
- ``prohibited_text``: a case number or justification pointing at civil immigration enforcement (the SB 54 screen of
  the sharing work, ``apps.disclosures.immigration_screen``, R-SHR-5a) or at protected activities (R-PURP-2);
- ``vague_text``: "inv", "test", "n/a" and the like as case number or justification;
- ``case_unverified``: searches under an overridden number or one the records system could not confirm (R-READ-3);
- ``case_refused``: several searches by one person in one day refused because the case number failed its format or
  the records-system check (``CaseNumberRefusal``: the attempts, not what they searched for);
- ``case_reused``: one case number used by one person for many different plates;
- ``plateless_cluster``: searches without a plate by one person — or by several people, each under the threshold
  alone — around one place and one day, shown with their R-PURP-2 justifications and attestations. The several-people
  form is judged against the place's own baseline (``shared_cluster_judge``): only a day its other days make
  improbable, after allowing for every place-day reviewed, is flagged.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from apps.audit.choices import SystemPurpose
from apps.disclosures.immigration_screen import immigration_screen
from apps.misuse.choices import FlagKind, FlagStatus

PROTECTED_ACTIVITY = re.compile(
    r"\b(protest(?:ers?|s)?|demonstrat(?:ion|ions|ors?)|rall(?:y|ies)|vigil|picket(?:ing|s)?|sit-?in|"
    r"church|mosque|synagogue|temple|place of worship|worship|congregation|"
    r"abortion|planned parenthood|reproductive (?:health|clinic)|gender clinic|pride (?:parade|event)|"
    r"union meeting|labor union|political (?:meeting|rally|event|party)|activists?|march(?:ers)? (?:for|against))\b",
    re.IGNORECASE,
)
VAGUE = frozenset({"inv", "invest", "investigation", "test", "testing", "n/a", "na", "none", "x", "xx", "xxx",
                   "tbd", "asdf", "?", "-", ".", "0", "00", "000", "123", "1234", "case", "misc", "other", "check",
                   "lookup", "look up", "see notes", "unknown", "pending", "temp", "same", "ongoing"})


def _vague(text: str) -> bool:
    folded = " ".join(text.lower().split())
    return folded in VAGUE or len(re.sub(r"[^0-9a-z]", "", folded)) < 3


def text_concerns(text: str) -> tuple[str, list[str]] | None:
    """(kind, labels) for a case number or justification that points at a prohibited use or says nothing."""
    text = (text or "").strip()
    if not text:
        return None
    found = immigration_screen(text)
    protected = sorted({match.group(0).lower() for match in PROTECTED_ACTIVITY.finditer(text)})
    if found or protected:
        return FlagKind.PROHIBITED_TEXT, [*found, *(f"protected activity: {word}" for word in protected)]
    if _vague(text):
        return FlagKind.VAGUE_TEXT, [f"“{text[:40]}” says nothing about a case"]
    return None


@dataclass
class Candidate:
    kind: str
    subject_id: int
    key: str
    reason: str
    seqs: list[int]
    first: float
    last: float
    agency_id: int | None = None
    details: dict = field(default_factory=dict)

    @property
    def fingerprint(self) -> str:
        return hashlib.sha256(f"{self.kind}|{self.subject_id}|{self.key}".encode()).hexdigest()


@dataclass
class _Group:
    seqs: list[int] = field(default_factory=list)
    first: float = float("inf")
    last: float = 0.0
    values: set = field(default_factory=set)
    agency_id: int | None = None

    def add(self, seq: int, at: float, agency_id, value=None) -> None:
        self.seqs.append(seq)
        self.first = min(self.first, at)
        self.last = max(self.last, at)
        self.agency_id = agency_id
        if value is not None:
            self.values.add(value)


_ROWS_SQL = """
SELECT seq, user_id, agency_id, extract(epoch from occurred_at)::float8, case_number,
       upper(coalesce(data_elements->>'plate_pattern', data_elements->>'plate', '')),
       coalesce(data_elements->>'plate_less', '') = 'true',
       coalesce(data_elements->>'justification', ''),
       coalesce(data_elements->>'protected_activity_attested', '') = 'true',
       coalesce(data_elements->'cameras', '[]'::jsonb)::text,
       coalesce(data_elements->'area'->'center'->>'latitude',
                (((data_elements->'area'->'bbox'->>'south')::float8
                  + (data_elements->'area'->'bbox'->>'north')::float8) / 2)::text, ''),
       coalesce(data_elements->'area'->'center'->>'longitude',
                (((data_elements->'area'->'bbox'->>'west')::float8
                  + (data_elements->'area'->'bbox'->>'east')::float8) / 2)::text, ''),
       left(coalesce(data_elements->>'time_from', ''), 10),
       coalesce(data_elements->'case_verification'->>'status', ''),
       coalesce(data_elements->'case_verification'->>'rms', '')
FROM audit_accesslog
WHERE occurred_at >= %s AND occurred_at < %s AND purpose <> ALL(%s)
ORDER BY seq
"""


def _row_batches(since: datetime, until: datetime):
    """The access-log rows of [since, until) as _ROWS_SQL's tuples, in batches: one streamed query on PostgreSQL; on
    other databases (SQLite, what ``make run`` uses on a laptop) the same columns computed in Python from the ORM's
    rows (_ROWS_SQL is PostgreSQL's dialect: jsonb operators, casts, ``<> ALL``)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(_ROWS_SQL, [since, until, list(SystemPurpose.values)])
            while batch := cursor.fetchmany(20000):
                yield batch
        return
    from apps.audit.models import AccessLog

    rows = (AccessLog.objects.filter(occurred_at__gte=since, occurred_at__lt=until)
            .exclude(purpose__in=list(SystemPurpose.values)).order_by("seq")
            .values_list("seq", "user_id", "agency_id", "occurred_at", "case_number", "data_elements"))
    batch = []
    for seq, user_id, agency_id, occurred_at, case_number, elements in rows.iterator(chunk_size=2000):
        batch.append((seq, user_id, agency_id, occurred_at.timestamp(), case_number,
                      *_row_elements(elements if isinstance(elements, dict) else {})))
        if len(batch) == 20000:
            yield batch
            batch = []
    if batch:
        yield batch


def _json_text(value) -> str | None:
    """What PostgreSQL's ``->>`` gives: None for a missing key or JSON null, a string as is, anything else as JSON."""
    if value is None or isinstance(value, str):
        return value
    return json.dumps(value)  # true/false, numbers and nested values print as PostgreSQL prints them


def _row_elements(elements: dict) -> tuple:
    """_ROWS_SQL's data-element columns, from one row's data elements (see _ROWS_SQL for each)."""
    def text(*path) -> str | None:
        value = elements
        for key in path:
            if not isinstance(value, dict):
                return None
            value = value.get(key)
        return _json_text(value)

    def middle(low: str, high: str) -> str | None:
        try:
            return str((float(text("area", "bbox", low)) + float(text("area", "bbox", high))) / 2)
        except (TypeError, ValueError):
            return None

    plate = text("plate_pattern")
    if plate is None:
        plate = text("plate")
    cameras = elements.get("cameras")
    latitude = text("area", "center", "latitude")
    longitude = text("area", "center", "longitude")
    return ((plate or "").upper(), text("plate_less") == "true", text("justification") or "",
            text("protected_activity_attested") == "true", json.dumps(cameras if cameras is not None else []),
            latitude if latitude is not None else middle("south", "north") or "",
            longitude if longitude is not None else middle("west", "east") or "",
            (text("time_from") or "")[:10], text("case_verification", "status") or "",
            text("case_verification", "rms") or "")


def _shift_windows(user_ids, since: datetime, until: datetime) -> dict[int, list[tuple[float, float]]]:
    """Each person's recorded shifts (R-OPS-1 unit sign-ons): [start, end] epochs widened by the grace period."""
    from apps.agencies.shift_windows import shift_window
    from apps.shifts.models import UnitSignOn

    grace = settings.PORTAL["MISUSE_OFF_SHIFT_GRACE_MINUTES"] * 60
    windows: dict[int, list[tuple[float, float]]] = defaultdict(list)
    sign_ons = UnitSignOn.objects.filter(officer_id__in=user_ids, shift_date__gte=(since - timedelta(days=1)).date(),
                                         shift_date__lte=until.date())
    for officer_id, shift_date, shift, signed_on_at, signed_off_at in sign_ons.values_list(
            "officer_id", "shift_date", "shift", "signed_on_at", "signed_off_at"):
        start, end = shift_window(shift_date, shift)
        start = min(start, signed_on_at)
        if signed_off_at is not None and signed_off_at < end:
            end = signed_off_at  # signed off early: the rest of the shift is off duty
        windows[officer_id].append((start.timestamp() - grace, end.timestamp() + grace))
    return windows


def _leave_days(user_ids, since: datetime, until: datetime) -> dict[int, dict[str, int]]:
    """Each person's recorded leave in the window: {local day (ISO): leave period id}."""
    from apps.shifts.models import LeavePeriod

    tz = timezone.get_current_timezone()
    first, last = timezone.localtime(since, tz).date(), timezone.localtime(until, tz).date()
    days: dict[int, dict[str, int]] = defaultdict(dict)
    for period_id, person_id, first_day, last_day in LeavePeriod.objects.filter(
            person_id__in=user_ids, first_day__lte=last, last_day__gte=first).values_list(
            "id", "person_id", "first_day", "last_day"):
        day = max(first_day, first)
        while day <= min(last_day, last):
            days[person_id][day.isoformat()] = period_id
            day += timedelta(days=1)
    return days


def _refusal_candidates(*, since: datetime, until: datetime, tz) -> list[Candidate]:
    """Several refused attempts by one person in one day (R-READ-3 refusals, R-AUD-3). No access-log rows are
    behind them (nothing was searched); the flag lists the attempts."""
    from apps.misuse.models import CaseNumberRefusal

    by_day: dict[tuple[int, str], list] = defaultdict(list)
    for refusal_id, user_id, agency_id, occurred_at, case_number, code in CaseNumberRefusal.objects.filter(
            occurred_at__gte=since, occurred_at__lt=until).order_by("occurred_at", "id").values_list(
            "id", "user_id", "agency_id", "occurred_at", "case_number", "code"):
        day = timezone.localtime(occurred_at, tz).date().isoformat()
        by_day[(user_id, day)].append((refusal_id, agency_id, occurred_at, case_number, code))
    found = []
    for (user_id, day), attempts in by_day.items():
        if len(attempts) < settings.PORTAL["MISUSE_REFUSED_MIN"]:
            continue
        numbers = sorted({attempt[3] for attempt in attempts})
        whys = sorted({attempt[4].removeprefix("case_number_") for attempt in attempts})
        found.append(Candidate(
            kind=FlagKind.CASE_REFUSED, subject_id=user_id, key=day, seqs=[],
            reason=f"{len(attempts)} searches on {day} refused because the case number failed verification "
                   f"({', '.join(whys)}), under {len(numbers)} different number(s).",
            first=attempts[0][2].timestamp(), last=attempts[-1][2].timestamp(), agency_id=attempts[-1][1],
            details={"day": day, "refusals": [attempt[0] for attempt in attempts], "case_numbers": numbers[:20]}))
    return found


def _tail(observed: int, mean: float, variance: float) -> float:
    """P(X >= observed) for a day's count X of mean ``mean``: Poisson, or negative binomial when the place's days
    vary more than Poisson (bursty traffic), summed from ``observed`` up (no 1 - small-number cancellation)."""
    if variance > mean * 1.05:
        size = mean * mean / (variance - mean)
        p = size / (size + mean)

        def log_pmf(k):
            return math.lgamma(k + size) - math.lgamma(size) - math.lgamma(k + 1) + size * math.log(p) \
                + k * math.log1p(-p)
    else:

        def log_pmf(k):
            return k * math.log(mean) - mean - math.lgamma(k + 1)
    total, k = 0.0, observed
    while k < observed + 5000:
        term = math.exp(log_pmf(k))
        total += term
        if term < total * 1e-12:
            break
        k += 1
    return min(1.0, total)


def shared_cluster_judge(*, observed: int, day: str, days: dict[str, int], window_days: int,
                         tests: int) -> tuple[float, float] | None:
    """Is ``observed`` plate-less searches of one place on ``day`` more than its own baseline explains? R-AUD-3 with
    R-PURP-2.

    The baseline is the place's daily count on the OTHER days of the window (days without a search count as 0), with
    one search of prior so that a place nobody searched before is not certain to stay empty. The day is flagged when
    the chance of so many searches on one day, times the number of place-days in the window (``tests``: the chances
    the review had to find one), is below MISUSE_SHARED_CLUSTER_CHANCE — the number of chance flags a review over
    ordinary traffic is allowed to expect. Returns (baseline per day, expected chance days) or None."""
    others = [count for other, count in days.items() if other != day]
    span = max(window_days - 1, len(others), 1)
    mean = (sum(others) + 1) / span
    variance = (sum(count * count for count in others) - sum(others) ** 2 / span) / max(span - 1, 1)
    expected = _tail(observed, mean, variance) * tests
    if expected >= settings.PORTAL["MISUSE_SHARED_CLUSTER_CHANCE"]:
        return None
    return mean, expected


def misuse_candidates(*, since: datetime, until: datetime) -> tuple[list[Candidate], int]:
    """Every flag the log in [since, until) supports, and the number of rows read. Pure: same rows, same answer."""
    portal = settings.PORTAL
    tz = timezone.get_current_timezone()
    by_plate: dict[tuple[int, str], _Group] = defaultdict(_Group)
    cases_of_plate: dict[tuple[int, str], set] = defaultdict(set)
    weeks_of_plate: dict[tuple[int, str], set] = defaultdict(set)
    by_day: dict[tuple[int, str], _Group] = defaultdict(_Group)
    by_week: dict[tuple[int, str], _Group] = defaultdict(_Group)
    by_text: dict[tuple[int, str, str], _Group] = defaultdict(_Group)
    unverified: dict[tuple[int, str], _Group] = defaultdict(_Group)
    plates_of_case: dict[tuple[int, str], _Group] = defaultdict(_Group)
    clusters: dict[tuple[int, str, str], _Group] = defaultdict(_Group)
    user_rows: dict[int, list[tuple[int, float, int | None]]] = defaultdict(list)
    text_cache: dict[str, tuple[str, list[str]] | None] = {}
    justifications: dict[tuple[int, str, str], list] = defaultdict(list)
    day_cache: dict[int, tuple[str, str]] = {}
    scanned = 0

    for batch in _row_batches(since, until):
        for (seq, user_id, agency_id, at, case_number, plate, plate_less, justification, attested, cameras,
             lat, lon, searched_day, verification, rms) in batch:
            scanned += 1
            hour_key = int(at // 3600)
            labels = day_cache.get(hour_key)
            if labels is None:
                local = datetime.fromtimestamp(at, tz)
                iso = local.isocalendar()
                labels = day_cache[hour_key] = (local.date().isoformat(), f"{iso[0]}-W{iso[1]:02d}")
            day, week = labels
            by_day[(user_id, day)].add(seq, at, agency_id)
            by_week[(user_id, week)].add(seq, at, agency_id)
            user_rows[user_id].append((seq, at, agency_id))
            exact = plate and "?" not in plate and "*" not in plate
            if exact:
                key = (user_id, plate)
                by_plate[key].add(seq, at, agency_id)
                cases_of_plate[key].add(case_number)
                weeks_of_plate[key].add(week)
                plates_of_case[(user_id, case_number)].add(seq, at, agency_id, plate)
            for text in (case_number, justification):
                if not text:
                    continue
                concern = text_cache.get(text, False)
                if concern is False:
                    concern = text_cache[text] = text_concerns(text)
                if concern is not None:
                    by_text[(user_id, concern[0], text)].add(seq, at, agency_id)
            if verification == "overridden" or (verification == "format_checked" and rms == "unavailable"):
                unverified[(user_id, case_number)].add(seq, at, agency_id, verification)
            if plate_less:
                if cameras not in ("", "[]"):
                    place = f"cameras {cameras}"
                elif lat and lon:
                    place = f"area near {float(lat):.2f},{float(lon):.2f}"
                else:
                    place = ""
                if place:
                    ckey = (user_id, place, searched_day)
                    clusters[ckey].add(seq, at, agency_id)
                    if len(justifications[ckey]) < 5:
                        justifications[ckey].append({"seq": seq, "justification": justification,
                                                     "attested": attested})

    found: list[Candidate] = []

    def add(kind, subject, key, reason, group: _Group, **details):
        found.append(Candidate(kind=kind, subject_id=subject, key=key, reason=reason, seqs=sorted(group.seqs),
                               first=group.first, last=group.last, agency_id=group.agency_id, details=details))

    for (user_id, plate), group in by_plate.items():
        cases = cases_of_plate[(user_id, plate)]
        if len(cases) >= portal["MISUSE_PLATE_CASES_MIN"]:
            add(FlagKind.PLATE_MANY_CASES, user_id, plate,
                f"Plate {plate} looked up {len(group.seqs)} times under {len(cases)} different case numbers.",
                group, plate=plate, case_numbers=sorted(cases)[:20])
        weeks = weeks_of_plate[(user_id, plate)]
        if len(weeks) >= portal["MISUSE_PLATE_WEEKS_MIN"]:
            add(FlagKind.PLATE_REPEATED_WEEKS, user_id, plate,
                f"Plate {plate} looked up in {len(weeks)} different weeks ({len(group.seqs)} look-ups).",
                group, plate=plate, weeks=sorted(weeks))

    # Volumes: a day against the person's own median active day; a week against the peers' median week.
    own_days: dict[int, list[int]] = defaultdict(list)
    for (user_id, _day), group in by_day.items():
        own_days[user_id].append(len(group.seqs))
    factor, minimum = portal["MISUSE_VOLUME_FACTOR"], portal["MISUSE_VOLUME_MIN"]
    for (user_id, day), group in by_day.items():
        history = own_days[user_id]
        if len(history) < 5:
            continue
        baseline = statistics.median(history)
        if len(group.seqs) >= max(minimum, factor * baseline):
            add(FlagKind.VOLUME_OWN, user_id, day,
                f"{len(group.seqs)} queries on {day}; the person's median active day is {baseline:g}.",
                group, day=day, count=len(group.seqs), baseline=baseline)
    weeks_all: dict[str, list[int]] = defaultdict(list)
    for (_user_id, week), group in by_week.items():
        weeks_all[week].append(len(group.seqs))
    first_day, last_day = timezone.localtime(since, tz).date(), timezone.localtime(until, tz).date()
    for (user_id, week), group in by_week.items():
        peers = weeks_all[week]
        year, number = week.split("-W")
        monday = date.fromisocalendar(int(year), int(number), 1)
        if len(peers) < 4 or monday < first_day or monday + timedelta(days=7) > last_day:
            continue  # a week cut by the window's edge has few people in it: its median says nothing
        baseline = statistics.median(peers)
        if len(group.seqs) >= max(minimum, factor * baseline):
            add(FlagKind.VOLUME_PEERS, user_id, week,
                f"{len(group.seqs)} queries in week {week}; the median of the {len(peers)} people active that week "
                f"is {baseline:g}.", group, week=week, count=len(group.seqs), baseline=baseline)

    for (user_id, kind, text), group in by_text.items():
        labels = text_cache[text][1]
        add(kind, user_id, text, f"Case number or justification “{text[:80]}”: {'; '.join(labels)}.", group,
            text=text[:200], labels=labels)

    for (user_id, case_number), group in unverified.items():
        how = " and ".join(sorted("overridden by a supervisor" if v == "overridden"
                                  else "not confirmed (records system unavailable)" for v in group.values))
        add(FlagKind.CASE_UNVERIFIED, user_id, case_number,
            f"{len(group.seqs)} searches under case number {case_number}, {how}.", group, case_number=case_number)

    for (user_id, case_number), group in plates_of_case.items():
        if len(group.values) >= portal["MISUSE_CASE_PLATES_MIN"]:
            add(FlagKind.CASE_REUSED, user_id, case_number,
                f"Case number {case_number} used for {len(group.values)} different plates.", group,
                case_number=case_number, plates=len(group.values))

    shared: dict[tuple[str, str], list[tuple[int, _Group]]] = defaultdict(list)
    for (user_id, place, searched_day), group in clusters.items():
        shared[(place, searched_day)].append((user_id, group))
        if len(group.seqs) >= portal["MISUSE_CLUSTER_MIN"]:
            add(FlagKind.PLATELESS_CLUSTER, user_id, f"{place}|{searched_day}",
                f"{len(group.seqs)} searches without a plate of {place} on {searched_day or 'one day'}.", group,
                place=place, searched_day=searched_day,
                justifications=justifications[(user_id, place, searched_day)])
    # The same place and day searched by several people, each under the threshold alone (a demonstration, a clinic,
    # a place of worship looked at by a team): judged against that place's own baseline (shared_cluster_judge), so a
    # busy place with steady traffic does not flag every day; each person is flagged to their own supervisor.
    days_of_place: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    people_of_place: dict[str, dict[str, set]] = defaultdict(lambda: defaultdict(set))
    for (place, searched_day), members in shared.items():
        for user_id, group in members:
            days_of_place[place][searched_day] += len(group.seqs)
            people_of_place[place][searched_day].add(user_id)
    window_days = max(1, round((until - since).total_seconds() / 86400))
    tests = max(1, len(days_of_place) * window_days)  # every place-day of the window is a chance to flag by chance
    for (place, searched_day), members in shared.items():
        total = sum(len(group.seqs) for _, group in members)
        if len(members) < portal["MISUSE_SHARED_CLUSTER_PEOPLE"] or total < portal["MISUSE_SHARED_CLUSTER_MIN"]:
            continue
        verdict = shared_cluster_judge(observed=total, day=searched_day, days=days_of_place[place],
                                       window_days=window_days, tests=tests)
        if verdict is None:
            continue
        mean, expected_by_chance = verdict
        regulars = len(set().union(*(people for other, people in people_of_place[place].items()
                                     if other != searched_day)))
        baseline = (f"its baseline is {mean:.2f} a day over the other {window_days - 1} days, by {regulars} "
                    f"people in all; by chance over every place and day of the window "
                    f"{expected_by_chance:.2g} such days were expected")
        for user_id, group in members:
            if len(group.seqs) >= portal["MISUSE_CLUSTER_MIN"]:
                continue  # already flagged on their own above
            add(FlagKind.PLATELESS_CLUSTER, user_id, f"{place}|{searched_day}|shared",
                f"{total} searches without a plate of {place} on {searched_day or 'one day'} by {len(members)} "
                f"people, {len(group.seqs)} of them by this person; {baseline}.", group,
                place=place, searched_day=searched_day, people=len(members), total=total,
                baseline_per_day=round(mean, 3), baseline_people=regulars,
                expected_by_chance=float(f"{expected_by_chance:.3g}"),
                justifications=justifications[(user_id, place, searched_day)])

    windows = _shift_windows(list(user_rows), since, until)
    for user_id, spans in windows.items():
        spans.sort()
        outside: dict[str, _Group] = defaultdict(_Group)
        for seq, at, agency_id in user_rows[user_id]:
            if not any(start <= at <= end for start, end in spans):
                outside[datetime.fromtimestamp(at, tz).date().isoformat()].add(seq, at, agency_id)
        for day, group in outside.items():
            if len(group.seqs) >= portal["MISUSE_OFF_SHIFT_MIN"]:
                add(FlagKind.OFF_SHIFT, user_id, day,
                    f"{len(group.seqs)} queries on {day} outside every shift the person signed on for.", group,
                    day=day)

    leave = _leave_days(list(user_rows), since, until)
    for user_id, leave_days in leave.items():
        on_leave: dict[str, _Group] = defaultdict(_Group)
        for seq, at, agency_id in user_rows[user_id]:
            day = day_cache[int(at // 3600)][0]
            if day in leave_days:
                on_leave[day].add(seq, at, agency_id)
        for day, group in on_leave.items():
            if len(group.seqs) >= portal["MISUSE_ON_LEAVE_MIN"]:
                queries = f"{len(group.seqs)} quer{'y' if len(group.seqs) == 1 else 'ies'}"
                add(FlagKind.ON_LEAVE, user_id, day, f"{queries} on {day}, a day of the person's recorded leave.",
                    group, day=day, leave_period=leave_days[day])
    found.extend(_refusal_candidates(since=since, until=until, tz=tz))
    return found, scanned


def misuse_flags_store(*, candidates: list[Candidate], run=None) -> tuple[int, int]:
    """Create the new flags and extend open ones whose pattern grew; resolved flags stay as they were resolved.
    Returns (created, updated)."""
    from apps.misuse.models import MisuseFlag

    now = timezone.now()
    created = updated = 0
    by_kind: dict[str, dict[str, Candidate]] = defaultdict(dict)
    for candidate in candidates:
        by_kind[candidate.kind][candidate.fingerprint] = candidate
    with transaction.atomic():
        for kind, wanted in by_kind.items():
            existing = {flag.fingerprint: flag for flag in MisuseFlag.objects.select_for_update().filter(
                kind=kind, fingerprint__in=list(wanted))}
            new = []
            for fingerprint, candidate in wanted.items():
                flag = existing.get(fingerprint)
                if flag is None:
                    new.append(MisuseFlag(
                        kind=kind, fingerprint=fingerprint, subject_id=candidate.subject_id,
                        agency_id=candidate.agency_id, reason=candidate.reason, details=candidate.details,
                        row_seqs=candidate.seqs, first_at=datetime.fromtimestamp(candidate.first, tz=UTC),
                        last_at=datetime.fromtimestamp(candidate.last, tz=UTC), detected_at=now, run=run))
                elif flag.status == FlagStatus.OPEN and kind == FlagKind.CASE_REFUSED:
                    # No rows behind it: the refused attempts (in details) are what grows.
                    refusals = sorted(set(flag.details.get("refusals", [])) | set(candidate.details["refusals"]))
                    if refusals != sorted(flag.details.get("refusals", [])):
                        flag.reason, flag.details = candidate.reason, {**candidate.details, "refusals": refusals}
                        flag.last_at = max(flag.last_at, datetime.fromtimestamp(candidate.last, tz=UTC))
                        flag.save(update_fields=["reason", "details", "last_at"])
                        updated += 1
                elif flag.status == FlagStatus.OPEN and flag.row_seqs != candidate.seqs:
                    merged = sorted(set(flag.row_seqs) | set(candidate.seqs))
                    if merged != flag.row_seqs:
                        flag.row_seqs, flag.reason, flag.details = merged, candidate.reason, candidate.details
                        flag.last_at = max(flag.last_at,
                                           datetime.fromtimestamp(candidate.last, tz=UTC))
                        flag.save(update_fields=["row_seqs", "reason", "details", "last_at"])
                        updated += 1
            MisuseFlag.objects.bulk_create(new, batch_size=1000)
            created += len(new)
    return created, updated


def flagged_seqs_between(*, since: datetime, until: datetime) -> frozenset[int]:
    """Access-log rows behind any flag touching [since, until): over-weighted in risk-weighted samples (R-AUD-3a)."""
    from apps.misuse.models import MisuseFlag

    seqs: set[int] = set()
    for row_seqs in MisuseFlag.objects.filter(first_at__lt=until, last_at__gte=since).values_list("row_seqs",
                                                                                                  flat=True):
        seqs.update(row_seqs)
    return frozenset(seqs)
