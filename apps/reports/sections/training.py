"""Training (R-ACC-2, R-REP-2): people trained, refresher completions, and compliance issues — people whose access
lapsed, and every access attempted while lapsed (the training gate's ``alprportal.training.access.blocked``
events)."""

from __future__ import annotations

from datetime import date, timedelta

from django.db.models import Count, Max, Min, Q
from django.utils import timezone

from apps.accounts.models import User
from apps.accounts.roles import INTERNAL_ROLES
from apps.audit.models import DomainEvent
from apps.reports.choices import ReportKind
from apps.reports.figures import column, count_item, rate_item, section, table
from apps.reports.sections.common import local_period_bounds, person
from apps.reports.sections.registry import ReportSection, register_section
from apps.training.models import CourseKind, TrainingRecord
from apps.training.selectors import training_refresher_days

BLOCKED_EVENT = "alprportal.training.access.blocked"


def _staff(as_of: date):
    """Staff in an internal role (R-ACC-2) on ``as_of``: joined by then — or already trained by then, for accounts
    created after the person's training was recorded — and not deactivated before."""
    _, until = local_period_bounds(as_of, as_of)
    return (
        User.objects.filter(groups__name__in=[str(role) for role in INTERNAL_ROLES])
        .filter(Q(date_joined__lt=until) | Q(training_records__completed_on__lte=as_of))
        .filter(Q(is_active=True) | Q(deactivated_at__gte=until))
        .distinct()
    )


def _records_by_person(person_ids, as_of: date) -> dict[int, list[tuple[date, date, str]]]:
    """(completed_on, valid_until, kind) per person, oldest first — one query. Training records number in the
    hundreds (a few per person per year), so folding them per person below is cheap."""
    records: dict[int, list[tuple[date, date, str]]] = {}
    # The gate's own rule (R-ACC-2a): qualifying courses only, one refresher interval for every course.
    validity = timedelta(days=training_refresher_days())
    rows = (
        TrainingRecord.objects.filter(person_id__in=person_ids, completed_on__lte=as_of)
        .filter(course__covers_sb34=True, course__covers_sb54=True, course__covers_agency_policy=True)
        .values_list("person_id", "completed_on", "course__kind")
        .order_by("person_id", "completed_on")
    )
    for person_id, completed_on, kind in rows:
        records.setdefault(person_id, []).append((completed_on, completed_on + validity, kind))
    return records


def _lapses(records: list[tuple[date, date, str]]) -> list[tuple[date, date | None]]:
    """(first day lapsed, day restored or None): the same rule as training_status_for — current on day t when an
    initial course is on record and the latest validity reaching t has not ended."""
    lapses = []
    valid_until = None
    for index, (_, until, _) in enumerate(records):
        valid_until = until if valid_until is None else max(valid_until, until)
        following = records[index + 1][0] if index + 1 < len(records) else None
        if following is None or following > valid_until + timedelta(days=1):
            lapses.append((valid_until + timedelta(days=1), following))
    return lapses


def _status(records: list[tuple[date, date, str]], as_of: date) -> tuple[bool, str]:
    if not any(kind == CourseKind.INITIAL for _, _, kind in records):
        return False, "No initial training on record"
    valid_until = max(until for _, until, _ in records)
    if as_of > valid_until:
        return False, f"Refresher missing since {valid_until + timedelta(days=1):%Y-%m-%d}"
    return True, ""


def training_compliance_aggregate(period_start: date, period_end: date) -> dict:
    today = timezone.localdate()
    as_of = min(period_end, today)
    staff = list(_staff(as_of).values("id", "first_name", "last_name", "username", "date_joined").order_by(
        "last_name", "first_name", "username"
    ))
    records = _records_by_person([p["id"] for p in staff], as_of)
    not_current, lapse_rows = [], []
    for member in staff:
        who = person(member["id"], member["first_name"], member["last_name"], member["username"])
        current, reason = _status(records.get(member["id"], []), as_of)
        if not current:
            not_current.append([who, reason])
        for lapsed_on, restored_on in _lapses(records.get(member["id"], [])):
            if lapsed_on <= as_of and (restored_on is None or restored_on > period_start):
                lapse_rows.append([who, f"{lapsed_on:%Y-%m-%d}",
                                   f"{restored_on:%Y-%m-%d}" if restored_on and restored_on <= as_of else "not yet"])

    since, until = local_period_bounds(period_start, period_end)
    blocked = DomainEvent.objects.filter(code=BLOCKED_EVENT, occurred_at__gte=since, occurred_at__lt=until)
    blocked_by_person = list(
        blocked.values("actor_id", "actor_username", "actor__first_name", "actor__last_name")
        .annotate(n=Count("id"), first=Min("occurred_at"), last=Max("occurred_at"))
        .order_by("-n", "actor_username")
    )
    completions = TrainingRecord.objects.filter(completed_on__gte=period_start, completed_on__lte=period_end)
    staff_count = len(staff)
    current_count = staff_count - len(not_current)
    return section(
        "training_compliance", "Training compliance",
        intro=f"Staff who touch ALPR data need the initial course and then an annual refresher (R-ACC-2). Status "
              f"as of {as_of:%B %-d, %Y}; access attempted while lapsed is blocked and recorded by the portal.",
        summary=[
            count_item("staff", "Staff required to be trained", staff_count),
            count_item("staff_current", "Staff with current training", current_count),
            rate_item("staff_current_rate", "Share of staff with current training", current_count, staff_count),
            count_item("staff_not_current", "Staff whose training is not current", len(not_current)),
            count_item("lapses", "Lapses of training during the period", len(lapse_rows)),
            count_item("blocked_attempts", "Access attempts blocked because training had lapsed", blocked.count()),
            count_item("blocked_people", "People who attempted access while lapsed",
                       len({row["actor_id"] for row in blocked_by_person})),
            count_item("completions", "Training completions recorded in the period", completions.count()),
        ],
        tables=[
            table("not_current", f"Staff whose training was not current on {as_of:%Y-%m-%d}",
                  [column("Person", "person"), column("Reason")], not_current, empty="Everyone was current."),
            table("lapses", "Lapses of training", [column("Person", "person"), column("Lapsed on", "date"),
                                                   column("Restored on", "date")], lapse_rows,
                  empty="No one's training lapsed in this period."),
            table("blocked_by_person", "Access attempted while training had lapsed",
                  [column("Person", "person"), column("Attempts", "count"), column("First", "date"),
                   column("Last", "date")],
                  [[person(row["actor_id"], row["actor__first_name"] or "", row["actor__last_name"] or "",
                           row["actor_username"]), row["n"],
                    f"{timezone.localtime(row['first']):%Y-%m-%d %H:%M}",
                    f"{timezone.localtime(row['last']):%Y-%m-%d %H:%M}"] for row in blocked_by_person],
                  empty="No access was attempted while training had lapsed."),
        ],
    )


def training_completions_aggregate(period_start: date, period_end: date) -> dict:
    completions = TrainingRecord.objects.filter(completed_on__gte=period_start, completed_on__lte=period_end)
    totals = completions.aggregate(
        records=Count("id"),
        trained=Count("person_id", distinct=True, filter=Q(course__kind=CourseKind.INITIAL)),
        refreshed=Count("person_id", distinct=True, filter=Q(course__kind=CourseKind.REFRESHER)),
        people=Count("person_id", distinct=True),
    )
    by_course = list(
        completions.values("course__title", "course__kind").annotate(n=Count("id"), people=Count("person_id",
                                                                                                  distinct=True))
        .order_by("course__kind", "course__title")
    )
    kinds = dict(CourseKind.choices)
    return section(
        "training_completions", "Training completions",
        intro="Completions recorded in the period (policy 004 §X: number of personnel trained and number who "
              "completed refresher training).",
        summary=[
            count_item("people_trained", "Personnel who completed the initial training", totals["trained"]),
            count_item("people_refreshed", "Personnel who completed refresher training", totals["refreshed"]),
            count_item("people_any", "Personnel with any training completion", totals["people"]),
            count_item("completions", "Training completions recorded", totals["records"]),
        ],
        tables=[
            table("by_course", "Completions by course",
                  [column("Course"), column("Kind"), column("Completions", "count"), column("People", "count")],
                  [[row["course__title"], kinds.get(row["course__kind"], row["course__kind"]), row["n"],
                    row["people"]] for row in by_course],
                  total=["Total", "", totals["records"], totals["people"]]),
        ],
    )


register_section(ReportSection(
    key="training_completions", title="Training completions", kinds=frozenset({ReportKind.ANNUAL_TRAINING}),
    order=10, aggregate=training_completions_aggregate,
    covers="People trained and refresher completions.",
))
register_section(ReportSection(
    key="training_compliance", title="Training compliance",
    kinds=frozenset({ReportKind.SEMIANNUAL, ReportKind.ANNUAL_TRAINING}), order=80,
    aggregate=training_compliance_aggregate,
    covers="Staff whose training lapsed, and access attempted while lapsed.",
))
