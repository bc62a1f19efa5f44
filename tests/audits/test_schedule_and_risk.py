"""R-AUD-3a: audits are scheduled (a campaign and an audit-trail inspection at least every year, with alerts before
and after they fall due) and samples may be risk-weighted — plate-less searches (R-PURP-2), repeated look-ups of one
plate by one person, queries outside the person's shift — while the draw stays reproducible from its seed."""

import hashlib
from datetime import date, datetime

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from apps.accounts.roles import Role
from apps.audit.models import DomainEvent
from apps.audit.services import access_log_record
from apps.audits.checks import audit_intervals_at_most_a_year
from apps.audits.choices import InspectionResult, ScheduledAudit
from apps.audits.models import AuditTrailInspection
from apps.audits.risk import (
    AREA_SEARCH,
    MISUSE_FLAG,
    OFF_SHIFT,
    REPEATED_PLATE,
    QueryFacts,
    habitual_shift,
    risk_assess,
)
from apps.audits.sampling import weighted_rank
from apps.audits.selectors import audit_schedule
from apps.audits.services import audit_campaign_create, audit_trail_inspection_run, audits_alert_due
from apps.common.errors import PermissionDeniedError
from apps.notifications.models import Notification, Severity
from tests.reports.support import at, days, log_query

TODAY = date(2026, 7, 15)
WEIGHTS = {AREA_SEARCH: 4.0, REPEATED_PLATE: 3.0, OFF_SHIFT: 2.0, MISUSE_FLAG: 5.0}


def _moment(day: date, hour: int) -> datetime:
    return timezone.make_aware(datetime(day.year, day.month, day.day, hour), timezone.get_current_timezone())


def test_a_habitual_shift_is_the_busiest_block_of_hours():
    # R-AUD-3a: until shifts are recorded per person, their shift is the block of hours holding most of their queries.
    assert habitual_shift([8, 9, 10, 11, 12, 13, 14, 15, 9, 10, 3], length=10, minimum=10) == frozenset(range(6, 16))
    assert habitual_shift([23, 0, 1, 2, 3, 22, 23, 0, 1, 2], length=6, minimum=10) == frozenset({22, 23, 0, 1, 2, 3})
    assert habitual_shift([3, 4], length=10, minimum=10) is None  # too few queries: no pattern, never flagged


def test_risk_factors_of_single_queries(settings):
    # R-AUD-3a: plate-less searches, the same plate looked up repeatedly by one person, queries outside the shift.
    settings.PORTAL = {**settings.PORTAL, "AUDIT_RISK_REPEAT_MIN": 3, "AUDIT_SHIFT_HOURS": 10,
                       "AUDIT_SHIFT_MIN_QUERIES": 5}
    day = date(2026, 2, 2)
    rows = [QueryFacts(i, 1, _moment(day, 12), "reads.search", {"plate_pattern": f"1AAA{i:03d}"}) for i in range(6)]
    rows += [QueryFacts(10 + i, 1, _moment(day, 13), "reads.view", {"plate": "7RPT001"}) for i in range(3)]
    rows += [QueryFacts(20, 1, _moment(day, 2), "reads.search", {"plate_pattern": None, "cameras": [4]})]
    rows += [QueryFacts(30, 2, _moment(day, 2), "reads.search", {"plate_pattern": "7RPT001"})]
    assessed = risk_assess(rows, weights=WEIGHTS)
    assert assessed[0] == ((), 1.0)
    assert assessed[10] == ((REPEATED_PLATE,), 3.0)
    assert assessed[20] == ((AREA_SEARCH, OFF_SHIFT), 8.0)
    assert assessed[30] == ((), 1.0)  # another person's single look-up; too few queries for a shift


@pytest.fixture
def population(make_user):
    """H1 2026: 160 plate queries at midday, 20 plate-less area searches, one plate looked up 4 times, and night
    queries by a day-shift investigator."""
    ivy, leo = make_user(Role.INVESTIGATOR), make_user(Role.INVESTIGATOR)
    for index, day in enumerate(days(date(2026, 1, 5), 160)):
        log_query((ivy, leo)[index % 2], day, plate=f"5ABC{index:03d}", case_number=f"C-{index}", hour=11 + index % 4)
    for index, day in enumerate(days(date(2026, 1, 6), 20, step=7)):
        with at(_moment(day, 12)):
            access_log_record(user=ivy, action="reads.search", purpose="crime_analysis", case_number=f"A-{index}",
                              data_elements={"plate_pattern": None, "cameras": [3], "area": None}, result_count=40)
    for day in days(date(2026, 3, 1), 4):
        log_query(leo, day, plate="7RPT001", case_number="R-1", hour=12)
    for day in days(date(2026, 4, 1), 6):
        log_query(ivy, day, plate=f"9NGT{day.day:03d}", case_number="N-1", hour=3)
    return {"ivy": ivy, "leo": leo}


@pytest.mark.django_db
def test_a_risk_weighted_draw_over_samples_risky_queries_and_redraws_from_its_seed(population, custodian):
    # R-AUD-3a (and R-PURP-2: audits over-sample plate-less searches).
    kwargs = {"title": "H1", "period_start": date(2026, 1, 1), "period_end": date(2026, 6, 30),
              "requested_size": 30, "seed": "risk-seed", "today": TODAY}
    weighted = audit_campaign_create(actor=custodian, risk_weighted=True, **kwargs)
    plain = audit_campaign_create(actor=custodian, **kwargs)
    again = audit_campaign_create(actor=custodian, risk_weighted=True, **kwargs)

    assert weighted.risk_weighted and weighted.risk_weights == WEIGHTS
    assert weighted.risk_population == {AREA_SEARCH: 20, REPEATED_PLATE: 4, OFF_SHIFT: 6, MISUSE_FLAG: 0}

    def sampled(campaign):
        return [(s.log_seq, tuple(s.risk_flags), s.risk_weight) for s in campaign.samples.order_by("position")]

    assert sampled(weighted) == sampled(again)  # same seed → same sample, flags and weights

    def area_searches(campaign):  # read from the sampled rows themselves, not from the flags
        return sum(not s.log_data_elements.get("plate_pattern") for s in campaign.samples.all())

    population_share = 20 / weighted.population_size
    assert area_searches(weighted) / weighted.sample_size > 1.5 * population_share
    assert area_searches(weighted) > area_searches(plain)
    assert not any(s.risk_flags for s in plain.samples.all())

    # Anyone can redo the draw by hand: rank each query by -ln(u)/w, u from SHA-256("seed:seq").
    weights = {s.log_seq: s.risk_weight for s in weighted.samples.all()}
    from apps.audits.selectors import audit_population
    rows = audit_population(period_start=kwargs["period_start"], period_end=kwargs["period_end"],
                            exclude_user=custodian)
    flags = {row.seq: row for row in rows}
    assessed = risk_assess([QueryFacts(r.seq, r.user_id, r.occurred_at, r.action, r.data_elements)
                            for r in flags.values()], weights=WEIGHTS)
    expected = sorted(flags, key=lambda seq: weighted_rank(hashlib.sha256(f"risk-seed:{seq}".encode()).hexdigest(),
                                                           assessed[seq][1]))[:30]
    assert [seq for seq, _, _ in sampled(weighted)] == expected
    assert all(weights[seq] == assessed[seq][1] for seq in expected)


@pytest.mark.django_db
def test_the_yearly_audits_alert_before_and_after_they_fall_due_once(make_user, custodian, settings):
    # R-AUD-3a: never done, the year runs from the first access logged; alerts 30 days before, and once late.
    log_query(make_user(Role.INVESTIGATOR), date(2025, 1, 10))
    schedule = {item.kind: item for item in audit_schedule(today=date(2025, 12, 1))}
    assert schedule[ScheduledAudit.CAMPAIGN].due_on == date(2026, 1, 10)
    assert schedule[ScheduledAudit.INSPECTION].state == "ok"
    assert audits_alert_due(today=date(2025, 12, 1)) == []
    assert sorted(audits_alert_due(today=date(2025, 12, 15))) == [ScheduledAudit.CAMPAIGN, ScheduledAudit.INSPECTION]
    assert audits_alert_due(today=date(2025, 12, 16)) == []  # idempotent: one warning per due date
    warning = Notification.objects.get(recipient=custodian, title__startswith="Audit-trail inspection due")
    assert warning.severity == Severity.WARNING
    assert sorted(audits_alert_due(today=date(2026, 1, 11))) == [ScheduledAudit.CAMPAIGN, ScheduledAudit.INSPECTION]
    assert audits_alert_due(today=date(2026, 1, 12)) == []
    late = Notification.objects.get(recipient=custodian, title__startswith="Query-audit campaign overdue")
    assert late.severity == Severity.CRITICAL

    inspection = audit_trail_inspection_run(actor=custodian, note="Annual ASAP inspection")
    schedule = {item.kind: item for item in audit_schedule()}
    assert schedule[ScheduledAudit.INSPECTION].last_done == timezone.localdate()
    assert schedule[ScheduledAudit.INSPECTION].state == "ok" and inspection.result == InspectionResult.INTACT

    from apps.audits.tasks import audits_check_due
    assert settings.CELERY_BEAT_SCHEDULE["audits-check-due"]["task"] == audits_check_due.name
    assert audits_check_due() == []  # the beat task: nothing new to say today

    settings.PORTAL = {**settings.PORTAL, "AUDIT_CAMPAIGN_INTERVAL_DAYS": 400}
    assert [e.id for e in audit_intervals_at_most_a_year()] == ["audits.E001"]


@pytest.mark.django_db
def test_the_inspection_records_the_chain_verification_and_a_break_alerts(
        make_user, custodian, sysadmin, supervisor, django_capture_on_commit_callbacks):
    # R-AUD-3a: the annual inspection runs the access log's verification and records what it found.
    investigator = make_user(Role.INVESTIGATOR)
    rows = [log_query(investigator, day) for day in days(date(2026, 2, 1), 5)]
    with pytest.raises(PermissionDeniedError):
        audit_trail_inspection_run(actor=supervisor)
    intact = audit_trail_inspection_run(actor=custodian, note="ok", unannounced=True)
    assert (intact.result, intact.rows_checked, intact.unannounced) == (InspectionResult.INTACT, 5, True)
    assert DomainEvent.objects.filter(code="alprportal.audits.inspection.recorded").count() == 1

    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = replica")
        cursor.execute("UPDATE audit_accesslog SET case_number = 'HIDDEN' WHERE id = %s", [rows[2].id])
        cursor.execute("SET session_replication_role = DEFAULT")
    with django_capture_on_commit_callbacks(execute=True):
        broken = audit_trail_inspection_run(actor=custodian)
    assert broken.result == InspectionResult.BROKEN and broken.first_broken_seq == rows[2].seq and broken.problem
    assert Notification.objects.filter(recipient=sysadmin, severity=Severity.CRITICAL,
                                       title__contains=f"BROKEN at row #{rows[2].seq}").exists()
    assert AuditTrailInspection.objects.count() == 2
    # Counted in the semi-annual report's query-audit section, a broken chain flagged (must be 0).
    from apps.reports.figures import summary_value
    from apps.reports.sections.query_audits import query_audits_aggregate
    figures = query_audits_aggregate(timezone.localdate(), timezone.localdate())
    assert summary_value(figures, "inspections")["value"] == 2
    assert summary_value(figures, "inspections_broken")["value"] == 1


@pytest.mark.django_db
def test_the_schedule_page_runs_and_lists_inspections(client, custodian, supervisor):
    # R-AUD-3a
    client.force_login(custodian)
    page = client.get(reverse("audits:schedule"))
    assert page.status_code == 200 and b"Query-audit campaign" in page.content
    response = client.post(reverse("audits:inspect"), {"note": "Annual inspection by the ASAP Unit"}, follow=True)
    assert b"Inspection recorded: chain intact" in response.content
    assert b"Annual inspection by the ASAP Unit" in response.content
    client.force_login(supervisor)
    assert client.get(reverse("audits:schedule")).status_code == 403
    assert client.post(reverse("audits:inspect")).status_code == 403
    assert AuditTrailInspection.objects.count() == 1
