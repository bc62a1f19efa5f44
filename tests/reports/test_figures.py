"""Every figure of the semi-annual report equals a count computed independently here, from the rows themselves
(R-REP-1). The sections aggregate in SQL; the test counts in Python."""

from collections import Counter
from datetime import date

import pytest
from django.utils import timezone

from apps.audit.choices import Purpose, SystemPurpose
from apps.audit.models import AccessLog, DomainEvent
from apps.audits.choices import Finding
from apps.audits.models import AuditSample
from apps.reads.models import Read
from apps.reports.choices import ReportKind
from apps.reports.figures import NOT_RECORDED
from apps.reports.sections import ReportSection, section_get, sections_for
from apps.training.models import TrainingRecord
from tests.reports.conftest import END, START
from tests.reports.support import at, local_noon

pytestmark = pytest.mark.django_db


def _in_period(moment) -> bool:
    return START <= timezone.localtime(moment).date() <= END


def _summary(section: dict) -> dict:
    return {item["key"]: item["value"] for item in section["summary"]}


def _table(section: dict, key: str) -> dict:
    return next(t for t in section["tables"] if t["key"] == key)


def test_the_registry_covers_every_topic_of_the_semiannual_report():
    keys = [s.key for s in sections_for(ReportKind.SEMIANNUAL)]
    assert keys == ["reads", "hits", "queries", "disclosures", "agreements", "holds", "retention",
                    "training_compliance", "query_audits", "accountability", "misuse",
                    "integrity"]  # accountability: R-AUD-4
    placeholder = ReportSection(key="later", title="Later", kinds=frozenset({ReportKind.SEMIANNUAL}), order=1,
                                aggregate=lambda start, end: {}, source_app="apps.not_built_yet")
    collected = placeholder.collect(START, END)
    assert collected["status"] == NOT_RECORDED and collected["notes"] == ["Not yet recorded by this portal."]
    assert [s.key for s in sections_for(ReportKind.ANNUAL_TRAINING)] == ["training_completions", "training_compliance",
                                                                       "integrity"]


def test_reads_collected(history):
    figures = section_get("reads").collect(START, END)
    reads = [r for r in Read.objects.select_related("camera") if _in_period(r.captured_at)]
    assert _summary(figures)["reads_total"] == len(reads) > 0
    by_month = Counter(timezone.localtime(r.captured_at).strftime("%b %Y") for r in reads)
    assert {row[0]: row[1] for row in _table(figures, "by_month")["rows"]} == {
        month: by_month.get(month, 0) for month in ("Jan 2026", "Feb 2026", "Mar 2026", "Apr 2026", "May 2026",
                                                    "Jun 2026")}
    by_camera = Counter(r.camera.name for r in reads)
    assert {row[0]: row[2] for row in _table(figures, "by_camera")["rows"]} == dict(by_camera)
    assert _summary(figures)["cameras_reporting"] == len(by_camera)


def test_queries_by_purpose_unit_and_user(history):
    figures = section_get("queries").collect(START, END)
    rows = [r for r in AccessLog.objects.all() if _in_period(r.occurred_at)]
    queries = [r for r in rows if r.purpose in Purpose.values]
    summary = _summary(figures)
    assert summary["queries_total"] == len(queries) == 60
    assert summary["queries_without_purpose"] == 0 and summary["queries_without_case"] == 0
    assert summary["system_accesses"] == sum(r.purpose in SystemPurpose.values for r in rows)
    purposes = Counter(r.get_purpose_display() for r in queries)
    assert {row[0]: row[1] for row in _table(figures, "by_purpose")["rows"]} == {
        label: purposes.get(label, 0) for _, label in Purpose.choices}
    units = Counter(r.agency_name for r in queries)
    assert {row[0]: row[1] for row in _table(figures, "by_unit")["rows"]} == dict(units)
    users = Counter(r.user_id for r in queries)
    assert {row[0]["id"]: row[1] for row in _table(figures, "by_user")["rows"]} == dict(users)
    assert summary["queries_people"] == len(users)


def test_training_compliance(history):
    figures = section_get("training_compliance").collect(START, END)
    summary = _summary(figures)
    blocked = [e for e in DomainEvent.objects.filter(code="alprportal.training.access.blocked")
               if _in_period(e.occurred_at)]
    assert summary["blocked_attempts"] == len(blocked) == 3
    assert summary["blocked_people"] == 1
    lapses = _table(figures, "lapses")["rows"]
    assert [(row[0]["name"], row[1], row[2]) for row in lapses] == [("Leo Martin", "2026-03-02", "2026-04-10")]
    assert summary["lapses"] == 1
    blocked_rows = _table(figures, "blocked_by_person")["rows"]
    assert [(row[0]["id"], row[1]) for row in blocked_rows] == [(history["leo"].pk, 3)]


def test_query_audit_findings(history):
    figures = section_get("query_audits").collect(START, END)
    samples = AuditSample.objects.filter(campaign=history["campaign"])
    counts = Counter(samples.values_list("finding", flat=True))
    summary = _summary(figures)
    assert summary["campaigns_approved"] == 1 and summary["sampled"] == samples.count() == 30
    assert summary["found_not_necessary"] == counts[Finding.NOT_NECESSARY] == 1
    assert summary["found_follow_up"] == counts[Finding.FOLLOW_UP] == 1
    assert summary["found_necessary"] == counts[Finding.NECESSARY] == 28
    assert summary["necessary_rate"] == {"rate": 28 / 30, "n": 30}
    findings = _table(figures, "findings")["rows"]
    assert {row[4] for row in findings} == {s.access_log.case_number for s in history["adverse"]}


def test_hits_holds_and_retention_runs_are_counted(history):
    from apps.holds.models import EvidenceHold
    from apps.hotlists.models import Hit
    from apps.retention.models import RetentionRun

    hits = _summary(section_get("hits").collect(START, END))
    assert hits["hits_total"] == sum(_in_period(h.captured_at) for h in Hit.objects.all())
    holds = _summary(section_get("holds").collect(START, END))
    assert holds["holds_requested"] == sum(_in_period(h.requested_at) for h in EvidenceHold.objects.all())
    for day, archived in ((date(2026, 2, 1), 120), (date(2026, 2, 2), 30), (date(2026, 7, 2), 999)):
        with at(local_noon(day)):
            RetentionRun.objects.create(status="succeeded", trigger="schedule",
                                        counts={"reads": {"archived": archived}})
    retention = section_get("retention").collect(START, END)
    assert _summary(retention)["retention_runs"] == 2
    assert _table(retention, "by_step")["rows"] == [["reads", "archived", 150]]


def test_access_log_integrity(history):
    figures = section_get("integrity").collect(START, END)
    summary = _summary(figures)
    assert summary["chain_ok"]["ok"] is True
    assert summary["rows_checked"] == AccessLog.objects.count()
    assert summary["period_rows"] == sum(_in_period(r.occurred_at) for r in AccessLog.objects.all())


def test_annual_training_completions(history):
    figures = section_get("training_completions").collect(date(2026, 1, 1), date(2026, 12, 31))
    summary = _summary(figures)
    records = TrainingRecord.objects.filter(completed_on__year=2026)
    assert summary["completions"] == records.count()
    assert summary["people_refreshed"] == records.filter(course__kind="refresher").values("person").distinct().count()
    assert summary["people_trained"] == records.filter(course__kind="initial").values("person").distinct().count()
